/*
 * Start-up of the mps2 firmware: the vector table, the reset handler (stacks,
 * .data, .bss, board_init, main with the semihosting command line), the fault
 * handler that prints the fault registers and leaves QEMU with a failure
 * status, the MPU stack guard, stack painting, and board_exit().
 *
 * Stacks (mps2.ld): main() runs on the main stack (PSP, 16 KiB by default)
 * with a 1 KiB no-access MPU region below it; exceptions run on the handler
 * stack (MSP, 2 KiB). A main-stack overflow therefore faults on the guard and
 * is reported from the intact handler stack. Both stacks are painted at reset
 * so board_exit() can report how much of each was ever used.
 */
#include "board.h"
#include "board_internal.h"
#include "semihosting.h"

#include <stdio.h>

/* Linker symbols (mps2.ld). */
extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __heap_start[], __heap_end[];
extern uint32_t __handler_stack_bottom[], __handler_stack_top[];
extern uint32_t __main_stack_guard[], __main_stack_bottom[], __main_stack_top[];

int main(int argc, char **argv);
void Reset_Handler(void);
void board_reset(void);
void board_fault_entry(void);
void board_fault_report(const uint32_t *frame, uint32_t exc_return);

#define STACK_PAINT 0xA5A5A5A5u
/* Main-stack words that must still hold paint at exit: the last line of
 * defence when the MPU guard is absent. */
#define STACK_RESERVE_WORDS 16u

/* Command line: QEMU's arg=... list joined by spaces. */
#define CMDLINE_MAX 1024u
#define ARGV_MAX 32u

/* System control block and MPU (ARMv7-M). */
#define SCB_ICSR (*(volatile uint32_t *)0xE000ED04u)
#define SCB_CCR (*(volatile uint32_t *)0xE000ED14u)
#define SCB_SHCSR (*(volatile uint32_t *)0xE000ED24u)
#define SCB_CFSR (*(volatile uint32_t *)0xE000ED28u)
#define SCB_HFSR (*(volatile uint32_t *)0xE000ED2Cu)
#define SCB_MMFAR (*(volatile uint32_t *)0xE000ED34u)
#define SCB_BFAR (*(volatile uint32_t *)0xE000ED38u)
#define MPU_TYPE (*(volatile uint32_t *)0xE000ED90u)
#define MPU_CTRL (*(volatile uint32_t *)0xE000ED94u)
#define MPU_RNR (*(volatile uint32_t *)0xE000ED98u)
#define MPU_RBAR (*(volatile uint32_t *)0xE000ED9Cu)
#define MPU_RASR (*(volatile uint32_t *)0xE000EDA0u)

#define CCR_DIV_0_TRP (1u << 4)
#define SHCSR_FAULTS_ENABLE ((1u << 16) | (1u << 17) | (1u << 18)) /* MemManage, Bus, Usage */
#define CFSR_MSTKERR (1u << 4)                                     /* stacking failed (MPU) */
#define CFSR_STKERR (1u << 12)                                     /* stacking failed (bus) */
#define CFSR_MMARVALID (1u << 7)                                   /* MMFAR holds the address */
#define MPU_RASR_XN (1u << 28)
#define MPU_RASR_SIZE_1K (9u << 1) /* 2^(SIZE+1) bytes: the guard in mps2.ld */
#define MPU_RASR_ENABLE 1u
#define MPU_CTRL_ENABLE 1u
#define MPU_CTRL_PRIVDEFENA (1u << 2) /* default memory map elsewhere */

typedef void (*vector_t)(void);

/* 16 system vectors and the 32 external interrupts of the AN385/AN386.
 * Nothing enables an interrupt, so every vector but reset and SysTick is a
 * fault or a surprise: both are reported and end the run. */
__attribute__((section(".vectors"), used)) static const vector_t s_vectors[16 + 32] = {
    [0] = (vector_t)(uintptr_t)__handler_stack_top,
    [1] = Reset_Handler,
    [2] = board_fault_entry,  /* NMI */
    [3] = board_fault_entry,  /* HardFault */
    [4] = board_fault_entry,  /* MemManage */
    [5] = board_fault_entry,  /* BusFault */
    [6] = board_fault_entry,  /* UsageFault */
    [11] = board_fault_entry, /* SVCall */
    [12] = board_fault_entry, /* DebugMonitor */
    [14] = board_fault_entry, /* PendSV */
    [15] = board_systick_handler,
#define FAULT4 board_fault_entry, board_fault_entry, board_fault_entry, board_fault_entry
    /* clang-format off */
    FAULT4, FAULT4, FAULT4, FAULT4, FAULT4, FAULT4, FAULT4, FAULT4, /* IRQ 0..31 */
/* clang-format on */
#undef FAULT4
};

/* Runs on the handler stack from the vector table: move main's stack to
 * the PSP (CONTROL.SPSEL = 1, still privileged) before any C code. */
__attribute__((naked, noreturn)) void Reset_Handler(void)
{
    __asm__ volatile("ldr r0, =__main_stack_top\n"
                     "msr psp, r0\n"
                     "movs r0, #2\n"
                     "msr control, r0\n"
                     "isb\n"
                     "b board_reset\n");
}

/* Hand the exception frame (on whichever stack was active) to C. */
__attribute__((naked)) void board_fault_entry(void)
{
    __asm__ volatile("tst lr, #4\n"
                     "ite eq\n"
                     "mrseq r0, msp\n"
                     "mrsne r0, psp\n"
                     "mov r1, lr\n"
                     "b board_fault_report\n");
}

static uint32_t current_sp(void)
{
    uint32_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

/* volatile: the compiler must not turn this into a memset call whose own
 * frame lands in the region being painted. */
static void paint(uint32_t *from, const uint32_t *to)
{
    for (volatile uint32_t *p = from; p < to; p++) {
        *p = STACK_PAINT;
    }
}

static uint32_t stack_used(const uint32_t *bottom, const uint32_t *top)
{
    const uint32_t *p = bottom;
    while (p < top && *p == STACK_PAINT) {
        p++;
    }
    return (uint32_t)((uintptr_t)top - (uintptr_t)p);
}

static void mpu_guard_init(void)
{
    if (((MPU_TYPE >> 8) & 0xFFu) == 0) {
        return; /* no MPU: the paint check in board_exit() remains */
    }
    MPU_RNR = 0;
    MPU_RBAR = (uint32_t)(uintptr_t)__main_stack_guard;
    MPU_RASR = MPU_RASR_XN | MPU_RASR_SIZE_1K | MPU_RASR_ENABLE; /* AP = 0: no access */
    MPU_CTRL = MPU_CTRL_ENABLE | MPU_CTRL_PRIVDEFENA;
    __asm__ volatile("dsb\n"
                     "isb\n"
                     :
                     :
                     : "memory");
}

void board_init(void)
{
    board_uart_init();
    board_clock_init();
    SCB_SHCSR |= SHCSR_FAULTS_ENABLE;
    SCB_CCR |= CCR_DIV_0_TRP;
    mpu_guard_init();
    /* Unbuffered: nothing sits in a buffer when a fault ends the run, and
     * newlib allocates no stdout buffer. */
    setvbuf(stdout, NULL, _IONBF, 0);
}

/* Split the command line at spaces (QEMU gives no quoting). */
static int split_args(char *line, char **argv, int max)
{
    int argc = 0;
    char *p = line;
    while (*p != '\0' && argc < max) {
        while (*p == ' ') {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        argv[argc++] = p;
        while (*p != '\0' && *p != ' ') {
            p++;
        }
        if (*p == ' ') {
            *p++ = '\0';
        }
    }
    return argc;
}

__attribute__((noreturn)) void board_reset(void)
{
    const uint32_t *src = __data_load;
    for (uint32_t *dst = __data_start; dst < __data_end; dst++, src++) {
        *dst = *src;
    }
    for (uint32_t *dst = __bss_start; dst < __bss_end; dst++) {
        *dst = 0;
    }
    paint(__handler_stack_bottom, __handler_stack_top);
    /* Below this function's frame only: 64 bytes of margin for the call. */
    paint(__main_stack_bottom, (const uint32_t *)(uintptr_t)(current_sp() - 64u));

    board_init();

    static char cmdline[CMDLINE_MAX];
    static char *argv[ARGV_MAX + 1];
    static char fallback_name[] = "firmware";
    int argc = 0;
    if (semihosting_cmdline(cmdline, sizeof(cmdline)) >= 0) {
        argc = split_args(cmdline, argv, (int)ARGV_MAX);
    } else {
        board_print("board: no command line (too long or semihosting off)\n");
    }
    if (argc == 0) {
        argv[argc++] = fallback_name;
    }
    argv[argc] = NULL;
    board_exit(main(argc, argv));
}

void board_mem_usage(board_mem_usage_t *usage)
{
    usage->main_stack_size =
        (uint32_t)((uintptr_t)__main_stack_top - (uintptr_t)__main_stack_bottom);
    usage->main_stack_used = stack_used(__main_stack_bottom, __main_stack_top);
    usage->handler_stack_size =
        (uint32_t)((uintptr_t)__handler_stack_top - (uintptr_t)__handler_stack_bottom);
    usage->handler_stack_used = stack_used(__handler_stack_bottom, __handler_stack_top);
    usage->heap_size = (uint32_t)((uintptr_t)__heap_end - (uintptr_t)__heap_start);
    usage->heap_used = board_heap_used();
}

void board_exit(int status)
{
    board_mem_usage_t u;
    board_mem_usage(&u);
    char line[160];
    snprintf(line, sizeof(line),
             "board: exit %d; main stack %lu of %lu bytes, handler stack %lu of %lu, "
             "heap %lu of %lu\n",
             status, (unsigned long)u.main_stack_used, (unsigned long)u.main_stack_size,
             (unsigned long)u.handler_stack_used, (unsigned long)u.handler_stack_size,
             (unsigned long)u.heap_used, (unsigned long)u.heap_size);
    board_print(line);
    for (uint32_t i = 0; i < STACK_RESERVE_WORDS; i++) {
        if (__main_stack_bottom[i] != STACK_PAINT) {
            board_print("board: main stack overflowed its reserve\n");
            if (status == 0) {
                status = BOARD_EXIT_STACK;
            }
            break;
        }
    }
    semihosting_exit(status);
}

void board_print_hex(uint32_t value)
{
    static const char digits[] = "0123456789abcdef";
    char text[10] = {'0', 'x'};
    for (int i = 0; i < 8; i++) {
        text[2 + i] = digits[(value >> (28 - 4 * i)) & 0xFu];
    }
    board_uart_write(text, sizeof(text));
}

static void print_reg(const char *name, uint32_t value)
{
    board_print(name);
    board_print("=");
    board_print_hex(value);
    board_print(" ");
}

static bool frame_readable(const uint32_t *frame)
{
    uintptr_t at = (uintptr_t)frame;
    return at >= (uintptr_t)__data_start && at + 32u <= (uintptr_t)__main_stack_top &&
           (at & 3u) == 0;
}

/* No printf, no heap: only the UART and semihosting, so that it works
 * whatever state the fault left newlib in. */
void board_fault_report(const uint32_t *frame, uint32_t exc_return)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    uint32_t cfsr = SCB_CFSR;

    board_print("\nboard: FAULT exception ");
    board_print_hex(ipsr & 0x1FFu);
    board_print(exc_return & 4u ? " on main stack\n" : " on handler stack\n");
    print_reg("CFSR", cfsr);
    print_reg("HFSR", SCB_HFSR);
    print_reg("MMFAR", SCB_MMFAR);
    print_reg("BFAR", SCB_BFAR);
    print_reg("ICSR", SCB_ICSR);
    print_reg("EXC_RETURN", exc_return);
    board_print("\n");
    uintptr_t mmfar = SCB_MMFAR;
    bool stacking_failed = (cfsr & (CFSR_MSTKERR | CFSR_STKERR)) != 0;
    bool in_guard = (cfsr & CFSR_MMARVALID) != 0 && mmfar >= (uintptr_t)__main_stack_guard &&
                    mmfar < (uintptr_t)__main_stack_bottom;
    if (stacking_failed || in_guard) {
        board_print("board: main stack overflow (the access hit the stack guard)\n");
    }
    if (!stacking_failed && frame_readable(frame)) {
        static const char *const names[8] = {"R0", "R1", "R2", "R3", "R12", "LR", "PC", "xPSR"};
        for (int i = 0; i < 8; i++) {
            print_reg(names[i], frame[i]);
        }
        board_print("\n");
    }
    semihosting_exit(BOARD_EXIT_FAULT);
}
