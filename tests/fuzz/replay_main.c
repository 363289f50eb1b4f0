/*
 * Replay driver: runs LLVMFuzzerTestOneInput over every file of a corpus
 * directory, so the committed corpus is a regression test in every build
 * (gcc included), the way mbedTLS's programs/fuzz/onefile.c does.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs are small by construction; a bigger file is a corpus mistake. */
#define REPLAY_INPUT_MAX (256u * 1024u)
static uint8_t input[REPLAY_INPUT_MAX];

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    size_t n = fread(input, 1, sizeof(input), f);
    int too_big = !feof(f);
    fclose(f);
    if (too_big) {
        fprintf(stderr, "replay: %s is larger than %u bytes\n", path, REPLAY_INPUT_MAX);
        return 1;
    }
    (void)LLVMFuzzerTestOneInput(input, n);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    DIR *dir = opendir(argv[1]);
    if (dir == NULL) {
        fprintf(stderr, "replay: no corpus directory %s\n", argv[1]);
        return 1;
    }
    unsigned count = 0;
    int failed = 0;
    char path[4096];
    for (struct dirent *e = readdir(dir); e != NULL; e = readdir(dir)) {
        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", argv[1], e->d_name);
        failed |= replay_file(path);
        count++;
    }
    closedir(dir);
    printf("replayed %u inputs from %s\n", count, argv[1]);
    if (count == 0) {
        fprintf(stderr, "replay: empty corpus %s\n", argv[1]);
        return 1;
    }
    return failed;
}
