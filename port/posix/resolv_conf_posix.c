/*
 * System resolver of the POSIX port: the first name server configured in
 * /etc/resolv.conf (parser and file reader; see resolv_conf_posix.h).
 */
#include "resolv_conf_posix.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "posix_internal.h"

#define KEYWORD "nameserver"
#define KEYWORD_LEN (sizeof(KEYWORD) - 1u)
#define DNS_PORT 53u
/* Longest address word worth trying: IPv6 text is at most 45 characters
 * (INET6_ADDRSTRLEN - 1); anything longer is not an address. */
#define ADDRESS_TEXT_MAX 45u
/* read(2) calls for one file: EINTR and short reads, bounded. */
#define READ_CALLS_MAX 64u

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* One word of a line, the address candidate, to an acme_ip_addr_t. */
static bool parse_address(const char *word, size_t len, acme_ip_addr_t *ip)
{
    char text[ADDRESS_TEXT_MAX + 1];
    if (len == 0 || len > ADDRESS_TEXT_MAX || memchr(word, '%', len) != NULL) {
        return false;
    }
    memcpy(text, word, len);
    text[len] = '\0';
    memset(ip, 0, sizeof(*ip));
    if (inet_pton(AF_INET, text, ip->bytes) == 1) {
        ip->family = ACME_IP_V4;
        return true;
    }
    if (inet_pton(AF_INET6, text, ip->bytes) == 1) {
        ip->family = ACME_IP_V6;
        return true;
    }
    memset(ip, 0, sizeof(*ip));
    return false;
}

acme_status_t acme_posix_resolv_conf_parse(const char *text, size_t len, acme_ip_addr_t *ip)
{
    if ((text == NULL && len > 0) || ip == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    memset(ip, 0, sizeof(*ip));
    size_t pos = 0;
    /* Bounded by len: every pass consumes at least one character. */
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t line_len = nl != NULL ? (size_t)(nl - line) : len - pos;
        pos += line_len + 1u;

        if (line_len <= KEYWORD_LEN || memcmp(line, KEYWORD, KEYWORD_LEN) != 0 ||
            !is_blank(line[KEYWORD_LEN])) {
            continue; /* another keyword, a comment, an indented or empty line */
        }
        size_t i = KEYWORD_LEN;
        while (i < line_len && is_blank(line[i])) {
            i++;
        }
        size_t start = i;
        while (i < line_len && !is_blank(line[i]) && line[i] != ';' && line[i] != '#' &&
               line[i] != '\r' && line[i] != '\0') {
            i++;
        }
        if (parse_address(line + start, i - start, ip)) {
            return ACME_OK;
        }
    }
    return ACME_ERR_NOT_FOUND;
}

int32_t acme_posix_system_resolver(void *ctx, acme_ip_addr_t *ip, uint16_t *port)
{
    const acme_posix_port_t *pp = ctx;
    if (ip == NULL || port == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    char text[ACME_POSIX_RESOLV_CONF_READ_MAX];
    size_t len = 0;
    int fd = open(ACME_POSIX_RESOLV_CONF_PATH, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        acme_posix_logf(pp, ACME_LOG_WARN, "posix port: no name server: %s: %s",
                        ACME_POSIX_RESOLV_CONF_PATH, strerror(errno));
        return ACME_ERR_NOT_FOUND;
    }
    bool at_end = false; /* read up to the end of the file */
    for (unsigned calls = 0; calls < READ_CALLS_MAX && len < sizeof(text); calls++) {
        ssize_t n = read(fd, text + len, sizeof(text) - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            at_end = n == 0;
            break; /* end of file, or an error: use what was read */
        }
        len += (size_t)n;
    }
    (void)close(fd);
    if (!at_end) {
        /* Only whole lines: a line cut at the end could turn 10.0.0.12 into
         * 10.0.0.1, a valid but wrong server. */
        while (len > 0 && text[len - 1u] != '\n') {
            len--;
        }
    }
    acme_status_t st = acme_posix_resolv_conf_parse(text, len, ip);
    if (st != ACME_OK) {
        acme_posix_logf(pp, ACME_LOG_WARN, "posix port: no usable nameserver line in %s",
                        ACME_POSIX_RESOLV_CONF_PATH);
        return st;
    }
    *port = DNS_PORT;
    return ACME_OK;
}
