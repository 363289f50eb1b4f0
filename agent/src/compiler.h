/*
 * Compiler annotations for the agent's sources. Each expands to nothing on a
 * compiler that does not know it: they change the image's size, never what
 * the code does.
 *
 * Internal to the agent (not a public header).
 */
#ifndef ACME_COMPILER_H
#define ACME_COMPILER_H

/* A small helper with several callers that the compiler would copy into each
 * of them although one shared copy is smaller (measured on the Cortex-M4
 * firmware: see the comment where it is used). */
#if defined(__GNUC__)
#define ACME_NOINLINE __attribute__((noinline))
#else
#define ACME_NOINLINE
#endif

#endif /* ACME_COMPILER_H */
