/* The C test program of libaesc: runs every group, prints the counts, exits non-zero on any
 * failure.
 *
 * Usage: aesc_c_tests VECTORS_FILE STORE_DIR */
#include "check.h"

int checks_passed = 0;
int checks_failed = 0;

void check_failed(const char *file, int line, const char *what) {
  char msg[1024];
  size_t len = 0;
  aesc_result r = aesc_last_error_message(msg, sizeof msg, &len);
  checks_failed++;
  fprintf(stderr, "%s:%d: check failed: %s\n  last error (%s): %s\n", file, line, what,
          aesc_result_name((int)aesc_last_error_result()),
          r == AESC_RESULT_OK || r == AESC_RESULT_BUFFER_TOO_SMALL ? msg : "?");
}

uint64_t json_u64(const char *json, const char *key) {
  char pattern[128];
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  const char *at = strstr(json, pattern);
  if (at == NULL) {
    return UINT64_MAX;
  }
  at += strlen(pattern);
  if (*at == '"') {
    at++;
  }
  return strtoull(at, NULL, 10);
}

int contains(const char *haystack, const char *needle) {
  return haystack != NULL && strstr(haystack, needle) != NULL;
}

char *spawn_double(const char *config, aesc_node_double **node) {
  *node = NULL;
  CHECK_OK(aesc_node_double_spawn(config, node));
  REQUIRE(*node != NULL);
  char *url = NULL;
  CHECK_OK(aesc_node_double_url(*node, &url));
  REQUIRE(url != NULL);
  return url;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s VECTORS_FILE STORE_DIR\n", argv[0]);
    return 2;
  }
  CHECK(strcmp(aesc_version(), AESC_VERSION) == 0);

  codec_tests(argv[1]);
  fprintf(stderr, "codec: %d passed, %d failed\n", checks_passed, checks_failed);
  bad_input_tests();
  fprintf(stderr, "bad input: %d passed, %d failed\n", checks_passed, checks_failed);
  lifecycle_tests(argv[2]);
  fprintf(stderr, "lifecycle: %d passed, %d failed\n", checks_passed, checks_failed);
  policy_tests();
  fprintf(stderr, "policy: %d passed, %d failed\n", checks_passed, checks_failed);
  reactor_tests();

  printf("%d passed, %d failed\n", checks_passed, checks_failed);
  return checks_failed == 0 ? 0 : 1;
}
