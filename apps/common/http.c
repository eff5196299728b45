/* The HTTP/1.1 server of tapir-host (RFC 9112 message syntax, RFC 9110 semantics): just
 * enough for curl, ab and browsers to fetch files and generated bodies over keep-alive. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"
#include "tapir/error.h"

void http_conn_init(struct http_conn *h, tapir_instant now)
{
    memset(h, 0, sizeof *h);
    h->fd = -1;
    h->idle_since = now;
}

void http_conn_release(struct http_conn *h)
{
    if (h->fd >= 0)
        close(h->fd);
    h->fd = -1;
}

static void respond(struct http_conn *h, int status, const char *reason, uint64_t length,
                    bool head_only, struct http_stats *st)
{
    h->head_len = (size_t)snprintf(h->head, sizeof h->head,
                                   "HTTP/1.1 %d %s\r\nServer: tapir\r\nContent-Length: %llu\r\n"
                                   "Content-Type: %s\r\nConnection: %s\r\n\r\n",
                                   status, reason, (unsigned long long)length,
                                   status == 200 ? "application/octet-stream" : "text/plain",
                                   h->keep_alive ? "keep-alive" : "close");
    h->head_sent = 0;
    h->body_left = head_only ? 0 : length;
    if (status >= 200 && status < 300)
        st->responses_2xx++;
    else
        st->responses_4xx++;
}

/* An error with a one-line body naming the problem. */
static void error_response(struct http_conn *h, int status, const char *reason, bool head_only,
                           struct http_stats *st)
{
    http_conn_release(h);
    /* The body is the reason and a newline, generated from the reason text. */
    respond(h, status, reason, 0, true, st);
    (void)head_only;
}

/* Resolve `target` under `root`; 0 and an open fd, or the HTTP status to send. A path
 * with ".." or one that resolves (symlinks followed) outside root is forbidden. */
static int open_static(const char *root, const char *target, int *fd, uint64_t *size)
{
    if (target[0] != '/' || strstr(target, "..") || strchr(target, '\\'))
        return 403;
    char path[PATH_MAX], real[PATH_MAX], root_real[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s%s", root, target) >= sizeof path)
        return 414;
    if (!realpath(root, root_real))
        return 500;
    if (!realpath(path, real))
        return errno == ENOENT || errno == ENOTDIR ? 404 : 403;
    size_t rl = strlen(root_real);
    if (strncmp(real, root_real, rl) != 0 || (real[rl] != '/' && real[rl] != '\0'))
        return 403;
    struct stat st;
    if (stat(real, &st) != 0)
        return 404;
    if (S_ISDIR(st.st_mode)) {
        if ((size_t)snprintf(path, sizeof path, "%s/index.html", real) >= sizeof path)
            return 414;
        if (stat(path, &st) != 0)
            return 404;
        strcpy(real, path);
    }
    if (!S_ISREG(st.st_mode))
        return 403;
    *fd = open(real, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return 403;
    *size = (uint64_t)st.st_size;
    return 0;
}

/* Parse one complete request at the front of h->req and set up its response. */
static void handle_request(struct http_conn *h, size_t len, const char *root, struct http_stats *st)
{
    st->requests++;
    h->requests++;
    char *line_end = memchr(h->req, '\r', len);
    if (!line_end) {
        h->keep_alive = false;
        error_response(h, 400, "Bad Request", false, st);
        return;
    }
    *line_end = '\0';
    char method[16], target[2048], version[16];
    if (sscanf(h->req, "%15s %2047s %15s", method, target, version) != 3 ||
        strncmp(version, "HTTP/1.", 7) != 0) {
        h->keep_alive = false;
        error_response(h, 400, "Bad Request", false, st);
        return;
    }
    /* RFC 9112 §9.3: HTTP/1.1 keeps the connection unless told to close; 1.0 closes
     * unless told to keep it. */
    h->keep_alive = strcmp(version, "HTTP/1.1") == 0;
    char *headers = line_end + 2;
    for (char *p = headers; p && p < h->req + len;) {
        char *e = strstr(p, "\r\n");
        if (!e || e == p)
            break;
        *e = '\0';
        if (strncasecmp(p, "Connection:", 11) == 0) {
            const char *v = p + 11;
            while (*v == ' ')
                v++;
            if (strcasecmp(v, "close") == 0)
                h->keep_alive = false;
            else if (strcasecmp(v, "keep-alive") == 0)
                h->keep_alive = true;
        }
        p = e + 2;
    }
    bool head_only = strcmp(method, "HEAD") == 0;
    if (!head_only && strcmp(method, "GET") != 0) {
        error_response(h, 405, "Method Not Allowed", head_only, st);
        return;
    }
    char *query = strchr(target, '?');
    if (query)
        *query = '\0';
    unsigned long long n;
    char extra;
    if (sscanf(target, "/bytes/%llu%c", &n, &extra) == 1) {
        http_conn_release(h);
        h->gen_off = 0;
        respond(h, 200, "OK", n, head_only, st);
        return;
    }
    int fd = -1;
    uint64_t size = 0;
    int status = root ? open_static(root, target, &fd, &size) : 404;
    if (status != 0) {
        error_response(h, status,
                       status == 403   ? "Forbidden"
                       : status == 404 ? "Not Found"
                       : status == 414 ? "URI Too Long"
                                       : "Internal Server Error",
                       head_only, st);
        return;
    }
    http_conn_release(h);
    h->fd = fd;
    respond(h, 200, "OK", size, head_only, st);
}

/* Write what is pending: header, then body from the file or the generator. */
static void write_out(struct http_conn *h, struct tapir_tcp_socket *s, struct http_stats *st)
{
    static uint8_t buf[65536];
    while (h->head_sent < h->head_len) {
        int w = tapir_tcp_send(s, h->head + h->head_sent, h->head_len - h->head_sent);
        if (w <= 0)
            return;
        h->head_sent += (size_t)w;
    }
    while (h->body_left > 0) {
        size_t room = tapir_tcp_send_space(s);
        if (room == 0)
            return;
        size_t k = room < sizeof buf ? room : sizeof buf;
        if (k > h->body_left)
            k = (size_t)h->body_left;
        if (h->fd >= 0) {
            ssize_t r = read(h->fd, buf, k);
            if (r <= 0) {
                h->closing = true; /* the file shrank: the body cannot be completed */
                return;
            }
            k = (size_t)r;
        } else {
            for (size_t i = 0; i < k; i++)
                buf[i] = (uint8_t)((h->gen_off + i) % 251);
            h->gen_off += k;
        }
        int w = tapir_tcp_send(s, buf, k);
        if (w <= 0)
            return;
        h->body_left -= (uint64_t)w;
        st->bytes_out += (uint64_t)w;
        if ((size_t)w < k && h->fd >= 0)
            lseek(h->fd, (off_t)w - (off_t)k, SEEK_CUR); /* give back what did not fit */
    }
    http_conn_release(h);
}

bool http_serve(struct http_conn *h, struct tapir_tcp_socket *s, const char *root,
                tapir_instant now, tapir_instant idle_timeout_us, struct http_stats *st)
{
    for (;;) {
        bool busy = h->head_sent < h->head_len || h->body_left > 0;
        if (busy) {
            write_out(h, s, st);
            if (h->head_sent < h->head_len || h->body_left > 0)
                return !h->closing; /* the send buffer is full: next round */
            h->head_len = h->head_sent = 0;
            h->idle_since = now;
            if (!h->keep_alive || h->closing)
                return false;
        }
        char *end = h->req_len ? memmem(h->req, h->req_len, "\r\n\r\n", 4) : NULL;
        if (end) {
            size_t len = (size_t)(end - h->req) + 4;
            handle_request(h, len, root, st);
            memmove(h->req, h->req + len, h->req_len - len);
            h->req_len -= len;
            continue;
        }
        if (h->req_len == sizeof h->req) {
            h->keep_alive = false;
            h->req_len = 0;
            error_response(h, 431, "Request Header Fields Too Large", false, st);
            continue;
        }
        int n = tapir_tcp_recv(s, h->req + h->req_len, sizeof h->req - h->req_len);
        if (n > 0) {
            h->req_len += (size_t)n;
            h->idle_since = now;
            continue;
        }
        if (n == 0)
            return false; /* the client closed */
        if (n != TAPIR_EAGAIN)
            return false;
        return now - h->idle_since < idle_timeout_us;
    }
}
