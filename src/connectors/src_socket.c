/*
 * src_socket.c -- lines from a TCP server (Flink's socketTextStream): unbounded until
 * the server closes the connection.  The read waits at most 100 ms at a time, so the
 * task sees cancellation promptly and flushes what it emitted while input is idle.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../api/api.h"

typedef struct socket_conf {
  char *host;
  int port;
} socket_conf;

static void socket_conf_free(void *p) {
  socket_conf *c = p;
  free(c->host);
  free(c);
}

static int dial(strom_op *op, socket_conf *c, int *fdp) {
  char port[16];
  snprintf(port, sizeof port, "%d", c->port);
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
  int e = getaddrinfo(c->host, port, &hints, &ai);
  if (e) return strom__op_fail(op, STROM_ENET, "cannot resolve %s: %s", c->host, gai_strerror(e));
  int fd = -1, err = 0;
  for (struct addrinfo *a = ai; a; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (!connect(fd, a->ai_addr, a->ai_addrlen)) break;
    err = errno;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(ai);
  if (fd < 0) return strom__op_fail(op, STROM_ENET, "cannot connect to %s:%d: %s", c->host, c->port, strerror(err));
  *fdp = fd;
  return STROM_OK;
}

static int emit_line(strom_op *op, const char *p, size_t n) {
  if (n && p[n - 1] == '\r') n--;
  strom_row *row = op->out.scratch;
  strom__row_reset(row);
  strom_row_set_str_ref(row, 0, p, n);
  return strom__emit(&op->out, row);
}

static int socket_run(strom_op *op) {
  socket_conf *c = op->conf;
  int fd = -1, rc = dial(op, c, &fd);
  if (rc) return rc;
  strom_buf b = {0};
  char chunk[65536];
  while (!rc) {
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int pr = poll(&pfd, 1, 100);
    if (pr == 0) {
      if (!(rc = strom__task_yield(op->task))) rc = strom__task_flush(op->task);
      continue;
    }
    if (pr < 0 && errno == EINTR) continue;
    ssize_t n = pr < 0 ? -1 : read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      rc = strom__op_fail(op, STROM_ENET, "reading from %s:%d: %s", c->host, c->port, strerror(errno));
      break;
    }
    if (n == 0) { /* the server closed: the last unterminated line still counts */
      if (b.len) rc = emit_line(op, b.p, b.len);
      break;
    }
    if ((rc = strom__buf_append(&b, chunk, (size_t)n))) break;
    size_t start = 0;
    for (char *nl; !rc && (nl = memchr(b.p + start, '\n', b.len - start));) {
      rc = emit_line(op, b.p + start, (size_t)(nl - (b.p + start)));
      start = (size_t)(nl - b.p) + 1;
    }
    memmove(b.p, b.p + start, b.len - start);
    b.len -= start;
    if (!rc) rc = strom__task_yield(op->task);
  }
  strom__buf_free(&b);
  close(fd);
  return rc;
}

static const strom_op_vt socket_vt = {.kind = "Socket Source", .run = socket_run, .free_conf = socket_conf_free};

strom_stream *strom_socket_text(strom_env *env, const char *host, int port) {
  if (!env) return NULL;
  if (!host || port <= 0 || port > 65535) return strom__env_error(env, STROM_EINVAL, "socket source: bad host or port");
  socket_conf *c = strom__calloc(1, sizeof *c);
  strom_schema *s = strom_schema_new();
  if (!c || !s || !(c->host = strom__strdup(host)) || strom_schema_add(s, "line", STROM_VARCHAR)) {
    if (c) free(c->host);
    free(c);
    strom_schema_free(s);
    return strom__env_error(env, STROM_ENOMEM, "out of memory");
  }
  c->port = port;
  strom_stream *st = strom__add_node(env, NULL, "Socket Source", &socket_vt, c, s);
  strom_schema_free(s);
  if (st) {
    st->node->parallelism = 1;
    st->node->non_parallel = true;
  }
  return st;
}
