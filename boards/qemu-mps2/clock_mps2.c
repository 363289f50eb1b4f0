/*
 * Time on the mps2 board: the monotonic clock (lwIP's sys_now and the
 * agent's now_ms) and the wall clock (certificate validity, time()).
 *
 * Monotonic time comes from the LAN9118's FREE_RUN counter (25 MHz), which
 * QEMU computes from its virtual clock, extended to 64 bits. Counting SysTick
 * interrupts instead loses time whenever the host does not schedule QEMU for
 * a tick (measured: 2000 counted ms in 2168 real ms on a busy host), because
 * a late timer fires once. SysTick (1 kHz, processor clock = BOARD_CPU_HZ) is
 * still what wakes board_idle() and samples the counter well within its
 * 172-second wrap.
 *
 * Wall time is the host's, through semihosting SYS_TIME.
 */
#include "board.h"
#include "board_internal.h"
#include "lan9118.h"
#include "semihosting.h"

#include "acme/types.h"
#include "lwip/sys.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

#define SYST_CSR_ENABLE 0x1u
#define SYST_CSR_TICKINT 0x2u
#define SYST_CSR_CLKSOURCE_CPU 0x4u

#define FREE_RUN_HZ 25000000u

/* FREE_RUN extended to 64 bits: the total at the last sample and the raw
 * value then. Updated only with interrupts masked or from the SysTick
 * handler, which cannot interrupt itself. */
static uint64_t s_ticks;
static uint32_t s_last_raw;
static volatile uint32_t s_systick_count;

/* Must run with interrupts masked (or in the SysTick handler). */
static uint64_t sample(void)
{
    uint32_t raw = lan9118_free_run();
    s_ticks += (uint32_t)(raw - s_last_raw); /* modulo 2^32: one wrap at most */
    s_last_raw = raw;
    return s_ticks;
}

void board_clock_init(void)
{
    s_ticks = 0;
    s_last_raw = lan9118_free_run();
    SYST_RVR = BOARD_CPU_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE_CPU;
}

void board_systick_handler(void)
{
    (void)sample();
    s_systick_count = s_systick_count + 1u;
}

static uint32_t irq_mask(void)
{
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n"
                     "cpsid i\n"
                     : "=r"(primask)
                     :
                     : "memory");
    return primask;
}

static void irq_restore(uint32_t primask)
{
    __asm__ volatile("msr primask, %0\n" : : "r"(primask) : "memory");
}

uint64_t board_now_ms(void)
{
    uint32_t primask = irq_mask();
    uint64_t ticks = sample();
    irq_restore(primask);
    return ticks / (FREE_RUN_HZ / 1000u);
}

/* A LAN9118 soft reset restarts FREE_RUN from 0: account for the time up to
 * the reset, and start counting again from the new value after it. */
uint32_t board_clock_hold(void)
{
    uint32_t primask = irq_mask();
    (void)sample();
    return primask;
}

void board_clock_release(uint32_t held)
{
    s_last_raw = lan9118_free_run();
    irq_restore(held);
}

uint32_t board_systick_count(void)
{
    return s_systick_count;
}

/* lwIP's clock (NO_SYS): wraps after 49 days, which lwIP handles. */
u32_t sys_now(void)
{
    return (u32_t)board_now_ms();
}

int64_t board_wall_s(void)
{
    int64_t t = semihosting_time();
    return t >= 0 ? t : ACME_TIME_UNKNOWN;
}

void board_idle(void)
{
    __asm__ volatile("wfi" ::: "memory");
}
