/*
 * Bounded JSON writer: request bodies written into a caller's fixed buffer,
 * with commas, nesting and escaping tracked here so callers cannot produce
 * invalid JSON by forgetting one. The first error sticks; later calls do
 * nothing, so a caller writes a whole object and checks acme_jw_finish() once.
 */
#include "acme/codec/json_writer.h"

#include <string.h>

#include "acme/codec/base64.h"

static bool failed(const acme_json_writer_t *w)
{
    return w->status != ACME_OK;
}

static void fail(acme_json_writer_t *w, acme_status_t status)
{
    if (w->status == ACME_OK) {
        w->status = status;
    }
}

/* Room for n more bytes, without counting the final NUL (finish checks it). */
static bool reserve(acme_json_writer_t *w, size_t n)
{
    if (failed(w)) {
        return false;
    }
    if (w->len > w->cap || w->cap - w->len < n) {
        fail(w, ACME_ERR_BUFFER_TOO_SMALL);
        return false;
    }
    return true;
}

static void put(acme_json_writer_t *w, const char *s, size_t n)
{
    if (reserve(w, n)) {
        memcpy(w->buf + w->len, s, n);
        w->len += n;
    }
}

static void put_char(acme_json_writer_t *w, char c)
{
    put(w, &c, 1);
}

/* Every value (scalar or container opening) goes through here: it checks
 * that a value is allowed at this point and writes the comma an array needs
 * between items. Objects get their comma from the key instead. */
static bool value_begin(acme_json_writer_t *w)
{
    if (failed(w)) {
        return false;
    }
    if (w->depth == 0) {
        /* A document is one value; anything after it is misuse. */
        if (w->len != 0) {
            fail(w, ACME_ERR_BAD_STATE);
            return false;
        }
        return true;
    }
    size_t top = (size_t)w->depth - 1u;
    if (!w->is_array[top]) {
        if (!w->after_key) {
            fail(w, ACME_ERR_BAD_STATE); /* value without key in an object */
            return false;
        }
        w->after_key = 0;
        return true;
    }
    if (w->has_items[top]) {
        put_char(w, ',');
    }
    w->has_items[top] = 1;
    return !failed(w);
}

/* Escapes per RFC 8259 §7: quote, backslash and U+0000..U+001F must be
 * escaped; the two-character forms are used where they exist. Bytes >= 0x80
 * are the caller's UTF-8 and pass through. */
static void put_escaped(acme_json_writer_t *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    put_char(w, '"');
    /* Runs of plain bytes are copied in one go; the loop is bounded by n. */
    size_t run = 0;
    for (size_t i = 0; i < n && !failed(w); i++) {
        unsigned char c = (unsigned char)s[i];
        char esc = 0;
        switch (c) {
        case '"':
            esc = '"';
            break;
        case '\\':
            esc = '\\';
            break;
        case '\b':
            esc = 'b';
            break;
        case '\f':
            esc = 'f';
            break;
        case '\n':
            esc = 'n';
            break;
        case '\r':
            esc = 'r';
            break;
        case '\t':
            esc = 't';
            break;
        default:
            break;
        }
        if (esc == 0 && c >= 0x20u) {
            continue;
        }
        put(w, s + run, i - run);
        run = i + 1;
        if (esc != 0) {
            char pair[2] = {'\\', esc};
            put(w, pair, sizeof(pair));
        } else {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0x0Fu]};
            put(w, u, sizeof(u));
        }
    }
    if (!failed(w)) {
        put(w, s + run, n - run);
    }
    put_char(w, '"');
}

static void open_container(acme_json_writer_t *w, bool array)
{
    if (!value_begin(w)) {
        return;
    }
    if (w->depth >= ACME_JW_MAX_DEPTH) {
        fail(w, ACME_ERR_BAD_STATE);
        return;
    }
    put_char(w, array ? '[' : '{');
    if (failed(w)) {
        return;
    }
    w->is_array[w->depth] = array ? 1u : 0u;
    w->has_items[w->depth] = 0;
    w->depth++;
}

static void close_container(acme_json_writer_t *w, bool array)
{
    if (failed(w)) {
        return;
    }
    /* end without begin, the wrong kind of end, or a key left dangling */
    if (w->depth == 0 || (w->is_array[w->depth - 1u] != 0) != array || w->after_key) {
        fail(w, ACME_ERR_BAD_STATE);
        return;
    }
    put_char(w, array ? ']' : '}');
    if (!failed(w)) {
        w->depth--;
    }
}

void acme_jw_init(acme_json_writer_t *w, char *buf, size_t cap)
{
    if (w == NULL) {
        return;
    }
    memset(w, 0, sizeof(*w));
    w->buf = buf;
    w->cap = buf != NULL ? cap : 0;
    w->status = ACME_OK;
}

void acme_jw_object_begin(acme_json_writer_t *w)
{
    open_container(w, false);
}

void acme_jw_object_end(acme_json_writer_t *w)
{
    close_container(w, false);
}

void acme_jw_array_begin(acme_json_writer_t *w)
{
    open_container(w, true);
}

void acme_jw_array_end(acme_json_writer_t *w)
{
    close_container(w, true);
}

void acme_jw_key(acme_json_writer_t *w, const char *key)
{
    if (failed(w)) {
        return;
    }
    if (key == NULL) {
        fail(w, ACME_ERR_INVALID_ARG);
        return;
    }
    /* Keys belong in objects, one per value. */
    if (w->depth == 0 || w->is_array[w->depth - 1u] || w->after_key) {
        fail(w, ACME_ERR_BAD_STATE);
        return;
    }
    size_t top = (size_t)w->depth - 1u;
    if (w->has_items[top]) {
        put_char(w, ',');
    }
    put_escaped(w, key, strlen(key));
    put_char(w, ':');
    w->has_items[top] = 1;
    w->after_key = 1;
}

void acme_jw_string_n(acme_json_writer_t *w, const char *s, size_t n)
{
    if (failed(w)) {
        return;
    }
    if (s == NULL && n > 0) {
        fail(w, ACME_ERR_INVALID_ARG);
        return;
    }
    if (value_begin(w)) {
        put_escaped(w, s != NULL ? s : "", n);
    }
}

void acme_jw_string(acme_json_writer_t *w, const char *s)
{
    if (failed(w)) {
        return;
    }
    if (s == NULL) {
        fail(w, ACME_ERR_INVALID_ARG);
        return;
    }
    acme_jw_string_n(w, s, strlen(s));
}

void acme_jw_base64url(acme_json_writer_t *w, const uint8_t *data, size_t n)
{
    if (failed(w)) {
        return;
    }
    if (data == NULL && n > 0) {
        fail(w, ACME_ERR_INVALID_ARG);
        return;
    }
    if (!value_begin(w)) {
        return;
    }
    /* The encoding is never shorter than the input: these checks keep the
     * length computation below from overflowing. */
    if (n > SIZE_MAX / 2u) {
        fail(w, ACME_ERR_BUFFER_TOO_SMALL);
        return;
    }
    if (!reserve(w, n) || !reserve(w, ACME_BASE64URL_LEN(n) + 2u)) {
        return;
    }
    size_t need = ACME_BASE64URL_LEN(n);
    w->buf[w->len++] = '"';
    size_t written = 0;
    /* cap is exactly the encoded length, so the encoder writes no NUL past it. */
    if (acme_base64url_encode(data, n, w->buf + w->len, need, &written) != ACME_OK ||
        written != need) {
        fail(w, ACME_ERR_BUFFER_TOO_SMALL);
        return;
    }
    w->len += written;
    w->buf[w->len++] = '"';
}

void acme_jw_int(acme_json_writer_t *w, int64_t v)
{
    if (!value_begin(w)) {
        return;
    }
    /* Magnitude as unsigned, so INT64_MIN has no overflow. */
    uint64_t mag = v < 0 ? (uint64_t)(-(v + 1)) + 1u : (uint64_t)v;
    char digits[20]; /* 2^63 has 19 digits, plus the sign */
    size_t pos = sizeof(digits);
    do {
        digits[--pos] = (char)('0' + (int)(mag % 10u));
        mag /= 10u;
    } while (mag != 0 && pos > 1);
    if (v < 0) {
        digits[--pos] = '-';
    }
    put(w, digits + pos, sizeof(digits) - pos);
}

void acme_jw_bool(acme_json_writer_t *w, bool v)
{
    if (value_begin(w)) {
        put(w, v ? "true" : "false", v ? 4u : 5u);
    }
}

void acme_jw_null(acme_json_writer_t *w)
{
    if (value_begin(w)) {
        put(w, "null", 4);
    }
}

void acme_jw_raw(acme_json_writer_t *w, const char *json, size_t n)
{
    if (failed(w)) {
        return;
    }
    /* An empty raw value would leave "key": with nothing after it. */
    if (json == NULL || n == 0) {
        fail(w, ACME_ERR_INVALID_ARG);
        return;
    }
    if (value_begin(w)) {
        put(w, json, n);
    }
}

acme_status_t acme_jw_finish(acme_json_writer_t *w, size_t *len)
{
    if (w == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    if (!failed(w) && (w->depth != 0 || w->after_key || w->len == 0)) {
        fail(w, ACME_ERR_BAD_STATE); /* open containers, dangling key, no value */
    }
    if (!failed(w) && w->len >= w->cap) {
        fail(w, ACME_ERR_BUFFER_TOO_SMALL); /* no room for the NUL */
    }
    if (w->len < w->cap) {
        w->buf[w->len] = '\0';
    }
    if (len != NULL) {
        /* A failed body is never half-sent: report nothing to send. */
        *len = failed(w) ? 0 : w->len;
    }
    return w->status;
}
