/*
 * Bounded JSON writer: request bodies written into a caller's fixed buffer,
 * with commas, nesting and escaping tracked here so callers cannot produce
 * invalid JSON by forgetting one. The first error sticks; later calls do
 * nothing, so a caller writes a whole object and checks acme_jw_finish() once.
 *
 * Two layers: text (bytes, escaped strings, base64url), which fixed-shape
 * documents use directly, and the structure on top of it.
 */
#include "acme/codec/json_writer.h"

#include <string.h>

#include "acme/codec/base64.h"

static bool failed(const acme_json_writer_t *w)
{
    return w->status != ACME_OK;
}

/* Records the first error; returns false so callers can `return fail(...)`. */
static bool fail(acme_json_writer_t *w, acme_status_t status)
{
    if (w->status == ACME_OK) {
        w->status = status;
    }
    return false;
}

/* Appends n bytes, all or nothing (the final NUL is finish's business). */
static void put(acme_json_writer_t *w, const char *s, size_t n)
{
    if (failed(w)) {
        return;
    }
    if (n > w->cap - w->len) {
        fail(w, ACME_ERR_BUFFER_TOO_SMALL);
        return;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

/* ---- text: the layer the structural calls below write through ---------- */

void acme_jw_put_text_n(acme_json_writer_t *w, const char *text, size_t n)
{
    if (text == NULL) {
        fail(w, ACME_ERR_INVALID_ARG);
        return;
    }
    put(w, text, n);
}

void acme_jw_put_text(acme_json_writer_t *w, const char *text)
{
    acme_jw_put_text_n(w, text, text != NULL ? strlen(text) : 0);
}

/* Escapes per RFC 8259 §7: quote, backslash and U+0000..U+001F must be
 * escaped; the two-character forms are used where they exist. Bytes >= 0x80
 * are the caller's UTF-8 and pass through. */
void acme_jw_put_string(acme_json_writer_t *w, const char *s, size_t n)
{
    static const char short_from[] = "\"\\\b\f\n\r\t";
    static const char short_to[] = "\"\\bfnrt";
    if (s == NULL) {
        if (n > 0) {
            fail(w, ACME_ERR_INVALID_ARG);
            return;
        }
        s = "";
    }
    put(w, "\"", 1);
    /* Runs of plain bytes are copied in one go; the loop is bounded by n. */
    size_t run = 0;
    for (size_t i = 0; i < n && !failed(w); i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20u && c != '"' && c != '\\') {
            continue;
        }
        put(w, s + run, i - run);
        run = i + 1;
        const char *hit = memchr(short_from, c, sizeof(short_from) - 1u);
        char esc[6] = {'\\', 'u', '0', '0', (char)('0' + (c >> 4)), "0123456789abcdef"[c & 0x0Fu]};
        if (hit != NULL) {
            esc[1] = short_to[hit - short_from];
        }
        put(w, esc, hit != NULL ? 2u : 6u);
    }
    put(w, s + run, n - run);
    put(w, "\"", 1);
}

/* ---- structure ------------------------------------------------------------- */

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
        return w->len == 0 || fail(w, ACME_ERR_BAD_STATE);
    }
    size_t top = (size_t)w->depth - 1u;
    if (!w->is_array[top]) {
        if (!w->after_key) {
            return fail(w, ACME_ERR_BAD_STATE); /* value without key in an object */
        }
        w->after_key = 0;
        return true;
    }
    if (w->has_items[top]) {
        put(w, ",", 1);
    }
    w->has_items[top] = 1;
    return !failed(w);
}

static void open_container(acme_json_writer_t *w, uint8_t array)
{
    if (!value_begin(w)) {
        return;
    }
    if (w->depth >= ACME_JW_MAX_DEPTH) {
        fail(w, ACME_ERR_BAD_STATE);
        return;
    }
    put(w, array ? "[" : "{", 1);
    if (!failed(w)) {
        w->is_array[w->depth] = array;
        w->has_items[w->depth] = 0;
        w->depth++;
    }
}

static void close_container(acme_json_writer_t *w, uint8_t array)
{
    if (failed(w)) {
        return;
    }
    /* end without begin, the wrong kind of end, or a key left dangling */
    if (w->depth == 0 || w->is_array[w->depth - 1u] != array || w->after_key) {
        fail(w, ACME_ERR_BAD_STATE);
        return;
    }
    put(w, array ? "]" : "}", 1);
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
    open_container(w, 0);
}

void acme_jw_object_end(acme_json_writer_t *w)
{
    close_container(w, 0);
}

void acme_jw_array_begin(acme_json_writer_t *w)
{
    open_container(w, 1);
}

void acme_jw_array_end(acme_json_writer_t *w)
{
    close_container(w, 1);
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
        put(w, ",", 1);
    }
    acme_jw_put_string(w, key, strlen(key));
    put(w, ":", 1);
    w->has_items[top] = 1;
    w->after_key = 1;
}

void acme_jw_string_n(acme_json_writer_t *w, const char *s, size_t n)
{
    if (s == NULL && n > 0) {
        fail(w, ACME_ERR_INVALID_ARG);
        return;
    }
    if (value_begin(w)) {
        acme_jw_put_string(w, s, n);
    }
}

void acme_jw_string(acme_json_writer_t *w, const char *s)
{
    if (s == NULL) {
        fail(w, ACME_ERR_INVALID_ARG);
        return;
    }
    acme_jw_string_n(w, s, strlen(s));
}

void acme_jw_base64url(acme_json_writer_t *w, const uint8_t *data, size_t n)
{
    if (data == NULL && n > 0) {
        fail(w, ACME_ERR_INVALID_ARG);
        return;
    }
    if (value_begin(w)) {
        acme_jw_put_base64url(w, data, n);
    }
}

void acme_jw_put_base64url(acme_json_writer_t *w, const uint8_t *data, size_t n)
{
    if (data == NULL && n > 0) {
        fail(w, ACME_ERR_INVALID_ARG);
        return;
    }
    put(w, "\"", 1);
    /* The encoder checks the room (a NUL it may leave behind is within the
     * buffer, and finish writes its own). */
    size_t written = 0;
    if (!failed(w) &&
        acme_base64url_encode(data, n, w->buf + w->len, w->cap - w->len, &written) != ACME_OK) {
        fail(w, ACME_ERR_BUFFER_TOO_SMALL);
    }
    w->len += written;
    put(w, "\"", 1);
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
    if (w->depth != 0 || w->after_key || w->len == 0) {
        fail(w, ACME_ERR_BAD_STATE); /* open containers, dangling key, no value */
    }
    if (w->len >= w->cap) {
        fail(w, ACME_ERR_BUFFER_TOO_SMALL); /* no room for the NUL */
    } else {
        w->buf[w->len] = '\0';
    }
    if (len != NULL) {
        /* A failed body is never half-sent: report nothing to send. */
        *len = failed(w) ? 0 : w->len;
    }
    return w->status;
}
