/*
 * An integrator's program that already runs a web server on the http-01
 * port: the agent's built-in responder is off (http01_port = 0) and the
 * program's own server answers /.well-known/acme-challenge/ requests with
 * acme_agent_http01_lookup(). Both live in one super-loop on one thread, as
 * on a bare-metal device: poll the agent, poll the server, wait.
 *
 *   own_webserver STATE DIRECTORY_URL TRUST_PEM HTTP_PORT NAME [NAME ...]
 *
 * Exit 0 when a certificate was installed and every challenge fetch was
 * answered by the program's server; 2 otherwise (one line on stderr).
 * Sockets: loopback only (the server binds 127.0.0.1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "acme/agent.h"
#include "acme/port_posix.h"

static acme_agent_t agent;
static acme_posix_port_t pp;
static uint8_t arena[64 * 1024];
static char trust[64 * 1024];

/* The program's own (deliberately simple) web server: one request per
 * connection, answered at once. */
static unsigned challenge_hits;
static unsigned other_hits;

static void serve_one(int fd)
{
    char req[2048];
    size_t len = 0;
    /* The socket is blocking with a short timeout: enough for loopback. */
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    while (len < sizeof(req) - 1) {
        ssize_t n = recv(fd, req + len, sizeof(req) - 1 - len, 0);
        if (n <= 0) {
            break;
        }
        len += (size_t)n;
        req[len] = '\0';
        if (strstr(req, "\r\n\r\n") != NULL) {
            break;
        }
    }
    req[len] = '\0';
    char path[512] = "";
    if (sscanf(req, "GET %511s HTTP/1.", path) != 1) {
        path[0] = '\0';
    }
    char body[256];
    size_t body_len = 0;
    acme_status_t st = acme_agent_http01_lookup(&agent, path, strlen(path), body, sizeof(body),
                                                &body_len);
    char out[512];
    int n;
    if (st == ACME_OK) {
        challenge_hits++;
        n = snprintf(out, sizeof(out),
                     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%.*s",
                     body_len, (int)body_len, body);
    } else {
        other_hits++;
        n = snprintf(out, sizeof(out),
                     "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    }
    if (n > 0) {
        (void)send(fd, out, (size_t)n, MSG_NOSIGNAL);
    }
    close(fd);
}

static int listen_on(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 16) != 0) {
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: %s STATE DIRECTORY_URL TRUST_PEM HTTP_PORT NAME [NAME ...]\n",
                argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[3], "rb");
    size_t trust_len = f != NULL ? fread(trust, 1, sizeof(trust) - 1, f) : 0;
    if (f != NULL) {
        fclose(f);
    }
    int server = listen_on((uint16_t)atoi(argv[4]));
    if (trust_len == 0 || server < 0) {
        fprintf(stderr, "own_webserver: cannot read trust anchors or listen\n");
        return 2;
    }

    acme_port_t port;
    /* acme-agent's state layout (docs/factory.md), so that its export reads
     * what this program stored: the config partition (32 KiB, unused here)
     * and the store partition behind it, as a view of one file. */
    acme_flash_geometry_t geo = {96 * 1024, 4096, 16};
    static acme_posix_flash_view_t store;
    acme_agent_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.directory_url = argv[2];
    cfg.names = (const char *const *)&argv[5];
    cfg.name_count = (size_t)(argc - 5);
    cfg.key_type = ACME_KEY_P256;
    cfg.terms_of_service_agreed = true;
    cfg.trust_pem = trust;
    cfg.trust_pem_len = trust_len;
    cfg.http01_port = 0; /* our own server answers the challenges */

    acme_status_t st = acme_posix_port_init(&pp, &port);
    if (st == ACME_OK) {
        pp.log_threshold = (acme_log_level_t)0;
        st = acme_posix_flash_open(&pp, &port, argv[1], &geo);
    }
    if (st == ACME_OK) {
        st = acme_posix_flash_view(&pp, 32 * 1024, 64 * 1024, &store);
        port.flash = &acme_posix_flash_view_ops;
        port.flash_ctx = &store;
        port.flash_geometry = store.geometry;
    }
    if (st == ACME_OK) {
        st = acme_agent_init(&agent, &cfg, &port, arena, sizeof(arena));
    }
    if (st == ACME_OK) {
        st = acme_agent_start_issue(&agent, port.clock->now_ms(port.clock_ctx));
    }
    /* The super-loop: agent, web server, wait. Bounded by the agent's own
     * issuance deadline, and by a loop count as a second guard. */
    for (unsigned i = 0; i < 1000000 && st == ACME_WOULD_BLOCK; i++) {
        uint32_t sleep_ms = 0;
        st = acme_agent_poll(&agent, port.clock->now_ms(port.clock_ctx), &sleep_ms);
        if (st != ACME_WOULD_BLOCK) {
            break;
        }
        int client = accept4(server, NULL, NULL, SOCK_CLOEXEC);
        if (client >= 0) {
            serve_one(client);
            continue;
        }
        /* Wait for the web server's socket, at most as long as the agent
         * allows (the agent's own sockets are not in this poll set, so cap
         * the wait to stay responsive to them). */
        struct pollfd pfd = {server, POLLIN, 0};
        (void)poll(&pfd, 1, (int)(sleep_ms < 20 ? sleep_ms : 20));
    }
    int rc = 0;
    if (st != ACME_OK) {
        const acme_problem_t *p = acme_agent_problem(&agent);
        fprintf(stderr, "own_webserver: issue failed: %s: %s\n", acme_strerror(st), p->detail);
        rc = 2;
    } else if (challenge_hits == 0) {
        fprintf(stderr, "own_webserver: the CA never fetched a challenge from our server\n");
        rc = 2;
    } else {
        printf("certificate installed; %u challenge fetches answered, %u other requests\n",
               challenge_hits, other_hits);
    }
    acme_agent_deinit(&agent);
    acme_posix_port_deinit(&pp);
    close(server);
    return rc;
}
