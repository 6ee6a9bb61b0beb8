/* ma_test.h - the unit tests' checks, on GLib's g_test (like Wireshark's wsutil tests)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Each program registers its test functions with g_test_add_func() (paths
 * "/<program>/<test>") after ma_test_init(), and returns ma_test_run(). Every
 * check below is one g_assert_* (or GLib's assertion message with the values
 * for the comparisons GLib has no macro for) and counts itself in
 * ma_test_checks; ma_test_run() prints the number of checks executed as a TAP
 * comment ("# <program>: N checks passed") after g_test_run().
 *
 * As with any g_assert_*, the first failing check ends the program (abort:
 * ctest reports the test as failed, with file, line, the expression and the
 * values on stderr). Run one test with `test_x -p /x/name`; list them with
 * `test_x -l`; TAP output with `--tap`.
 */
#ifndef MA_TEST_H
#define MA_TEST_H

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static guint64 ma_test_checks;
static char *ma_test_program;

static inline void ma_test_init(int *argc, char ***argv)
{
    ma_test_program = g_path_get_basename((*argv)[0]);
    g_test_init(argc, argv, NULL);
}

static inline int ma_test_run(void)
{
    int rc = g_test_run();
    printf("# %s: %" G_GUINT64_FORMAT " checks passed\n", ma_test_program, ma_test_checks);
    fflush(stdout);
    g_free(ma_test_program);
    return rc;
}

/* Fails with a formatted message through GLib's assertion machinery (what
 * g_assert_* use): file, line and function are the check's. */
G_GNUC_PRINTF(4, 5)
static inline void ma_test_fail_(const char *file, int line, const char *func, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_assertion_message(G_LOG_DOMAIN, file, line, func, msg);
    g_free(msg);
}

/* Both non-NULL and equal (two NULLs are a failure too). */
static inline void ma_test_str_(const char *file, int line, const char *func, const char *expr,
                                const char *a, const char *b)
{
    if (a && b && strcmp(a, b) == 0)
        return;
    g_assertion_message_cmpstr(G_LOG_DOMAIN, file, line, func, expr, a, "==", b);
}

/* |a - b| <= tol (a NaN fails). */
static inline void ma_test_close_(const char *file, int line, const char *func, const char *expr,
                                  double a, double b, double tol)
{
    if (fabs(a - b) <= tol)
        return;
    ma_test_fail_(file, line, func, "assertion failed (%s): got %.17g, expected %.17g (tolerance %.3g)",
                  expr, a, b, tol);
}

/* A check that the caller has judged (ok) and describes on failure. */
#define CHECK_MSG(ok, ...)                                                                 \
    G_STMT_START {                                                                         \
        ma_test_checks++;                                                                  \
        if (G_UNLIKELY(!(ok)))                                                             \
            ma_test_fail_(__FILE__, __LINE__, G_STRFUNC, __VA_ARGS__);                     \
    } G_STMT_END

#define CHECK(cond)                                                                        \
    G_STMT_START {                                                                         \
        ma_test_checks++;                                                                  \
        g_assert_true(cond);                                                               \
    } G_STMT_END

/* Integers, compared as long long (as gint64). */
#define CHECK_EQ(a, b)                                                                     \
    G_STMT_START {                                                                         \
        ma_test_checks++;                                                                  \
        g_assert_cmpint((long long)(a), ==, (long long)(b));                               \
    } G_STMT_END

#define CHECK_STR(a, b)                                                                    \
    G_STMT_START {                                                                         \
        ma_test_checks++;                                                                  \
        ma_test_str_(__FILE__, __LINE__, G_STRFUNC, #a " == " #b, (a), (b));               \
    } G_STMT_END

/* Doubles, exactly equal. */
#define CHECK_FEQ(a, b)                                                                    \
    G_STMT_START {                                                                         \
        ma_test_checks++;                                                                  \
        g_assert_cmpfloat((double)(a), ==, (double)(b));                                   \
    } G_STMT_END

/* Doubles, |a - b| <= tol. */
#define CHECK_CLOSE(a, b, tol)                                                             \
    G_STMT_START {                                                                         \
        ma_test_checks++;                                                                  \
        ma_test_close_(__FILE__, __LINE__, G_STRFUNC, #a " == " #b, (double)(a), (double)(b), \
                       (double)(tol));                                                     \
    } G_STMT_END

/* Doubles, |a - b| <= 1e-12, relative above 1. */
#define MA_TEST_REL_TOL(b) (1e-12 * (fabs(b) > 1.0 ? fabs(b) : 1.0))
#define CHECK_NEAR(a, b)                                                                   \
    G_STMT_START {                                                                         \
        double na_ = (double)(a), nb_ = (double)(b);                                       \
        ma_test_checks++;                                                                  \
        ma_test_close_(__FILE__, __LINE__, G_STRFUNC, #a " == " #b, na_, nb_, MA_TEST_REL_TOL(nb_)); \
    } G_STMT_END

#endif /* MA_TEST_H */
