/* Both parties of a channel in one C program, against the node double: open, transfer,
 * view, mutual close. Against a real node, drop the node double and use its URL. */
#define AESC_NODE_DOUBLE
#include <stdio.h>
#include <stdlib.h>

#include "aesc.h"

/* Exits with the library's message unless `r` is AESC_RESULT_OK. */
static void check(aesc_result r, const char *what) {
  if (r != AESC_RESULT_OK) {
    char msg[512];
    size_t len = 0;
    aesc_last_error_message(msg, sizeof msg, &len);
    fprintf(stderr, "%s: %s: %s\n", what, aesc_result_name(r), msg);
    exit(1);
  }
}

static aesc_config *party(const char *url, const char *role, const char *secret_key,
                          const char *initiator, const char *responder) {
  char json[2048];
  snprintf(json, sizeof json,
           "{\"url\": \"%s\", \"role\": \"%s\", \"network_id\": \"ae_dev\","
           " \"secret_key\": \"%s\", \"initiator_id\": \"%s\", \"responder_id\": \"%s\","
           " \"host\": \"127.0.0.1\", \"port\": 3333, \"initiator_amount\": \"1000000000000000\","
           " \"responder_amount\": \"500000000000000\", \"channel_reserve\": \"1\","
           " \"lock_period\": 10, \"minimum_depth_strategy\": \"plain\", \"minimum_depth\": 1}",
           url, role, secret_key, initiator, responder);
  aesc_config *config = NULL;
  check(aesc_config_new(json, NULL, NULL, &config), "configuration");
  return config;
}

int main(void) {
  aesc_node_double *node = NULL;
  char *url = NULL, *alice = NULL, *bob = NULL, *a = NULL, *b = NULL;
  check(aesc_node_double_spawn(NULL, &node), "node double");
  check(aesc_node_double_url(node, &url), "node url");
  check(aesc_secret_key_generate(&alice), "key");
  check(aesc_secret_key_generate(&bob), "key");
  check(aesc_public_key(alice, &a), "account");
  check(aesc_public_key(bob, &b), "account");

  aesc_config *initiator_config = party(url, "initiator", alice, a, b);
  aesc_config *responder_config = party(url, "responder", bob, a, b);
  aesc_channel *initiator = NULL, *responder = NULL;
  /* The responder connects first; both wait for the channel to open. */
  check(aesc_channel_connect(responder_config, &responder), "connect responder");
  check(aesc_channel_connect(initiator_config, &initiator), "connect initiator");
  check(aesc_channel_wait_open(initiator), "open");
  check(aesc_channel_wait_open(responder), "open");

  uint64_t round = 0;
  check(aesc_channel_transfer(initiator, b, "1000", &round), "transfer");
  printf("transferred at round %llu\n", (unsigned long long)round);

  char *view = NULL;
  check(aesc_channel_view(responder, &view), "view");
  printf("responder's view: %s\n", view);
  aesc_string_free(view);

  char *close_tx = NULL, *decoded = NULL;
  check(aesc_channel_shutdown(initiator, NULL, &close_tx), "shutdown");
  check(aesc_decode(close_tx, &decoded), "decode");
  printf("closed: %s\n", decoded);
  aesc_string_free(decoded);
  aesc_string_free(close_tx);

  aesc_channel_free(initiator);
  aesc_channel_free(responder);
  aesc_config_free(initiator_config);
  aesc_config_free(responder_config);
  aesc_string_free(alice);
  aesc_string_free(bob);
  aesc_string_free(a);
  aesc_string_free(b);
  aesc_string_free(url);
  aesc_node_double_free(node);
  return 0;
}
