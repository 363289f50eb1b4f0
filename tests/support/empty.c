/* Keeps the support library non-empty before any helper exists. */
typedef int acme_test_support_empty_t;
