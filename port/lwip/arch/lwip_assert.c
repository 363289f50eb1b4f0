/*
 * lwIP's assertion handler (arch/cc.h): built into the lwIP library itself,
 * since lwIP's own objects call it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "arch/cc.h"

void acme_lwip_assert_failed(int line)
{
    printf("lwIP assertion failed at line %d (lwIP 2.1.3 source)\n", line);
    abort();
}
