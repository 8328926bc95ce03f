/* Assertions and small helpers shared by the C tests of libaesc. */
#ifndef AESC_TEST_CHECK_H
#define AESC_TEST_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aesc.h"

/* Counts of checks, kept by check.c. */
extern int checks_passed;
extern int checks_failed;

/* Records a failed check with the library's last error message. */
void check_failed(const char *file, int line, const char *what);

/* Checks a condition. */
#define CHECK(cond)                                    \
  do {                                                 \
    if (cond) {                                        \
      checks_passed++;                                 \
    } else {                                           \
      check_failed(__FILE__, __LINE__, #cond);         \
    }                                                  \
  } while (0)

/* Checks that a call returns the expected result. */
#define CHECK_RESULT(call, expected)                                        \
  do {                                                                      \
    aesc_result check_r_ = (call);                                          \
    if (check_r_ == (expected)) {                                           \
      checks_passed++;                                                      \
    } else {                                                                \
      char check_msg_[512];                                                 \
      snprintf(check_msg_, sizeof check_msg_, "%s returned %d (%s), expected %s", #call, \
               (int)check_r_, aesc_result_name((int)check_r_), #expected);  \
      check_failed(__FILE__, __LINE__, check_msg_);                         \
    }                                                                       \
  } while (0)

/* Checks that a call succeeds. */
#define CHECK_OK(call) CHECK_RESULT(call, AESC_RESULT_OK)

/* Stops the program: used where going on would only cascade. */
#define REQUIRE(cond)                                   \
  do {                                                  \
    if (!(cond)) {                                      \
      check_failed(__FILE__, __LINE__, #cond);          \
      fprintf(stderr, "cannot go on\n");                \
      exit(2);                                          \
    }                                                   \
  } while (0)

/* The unsigned integer after `"key":` in flat JSON (a number or a decimal string), or
 * UINT64_MAX when the key is missing. */
uint64_t json_u64(const char *json, const char *key);

/* Whether `haystack` contains `needle`. */
int contains(const char *haystack, const char *needle);

/* Starts a node double with the JSON `config` into `*node` and returns its URL (free with
 * aesc_string_free); stops the program when either fails. */
char *spawn_double(const char *config, aesc_node_double **node);

/* The test groups. */
void codec_tests(const char *vectors_path);
void lifecycle_tests(const char *store_dir);
void bad_input_tests(void);
void policy_tests(void);
void reactor_tests(void);

#endif
