/* Several channels on one shared reactor through the C interface: each configuration is given
 * the reactor, every channel opens and makes a transfer, the reactor counts their
 * connections, and everything is freed in any order. */
#include "check.h"

#define CHANNELS 3

/* A configuration for `role` holding `sk`, with accounts `i` and `r`, on peer port `port`. */
static aesc_config *config_on(const char *url, const char *role, const char *sk,
                              const char *i, const char *r, int port,
                              const aesc_reactor *reactor) {
  char json[4096];
  snprintf(json, sizeof json,
           "{\"url\": \"%s\", \"role\": \"%s\", \"network_id\": \"ae_dev\","
           " \"secret_key\": \"%s\", \"initiator_id\": \"%s\", \"responder_id\": \"%s\","
           " \"host\": \"127.0.0.1\", \"port\": %d,"
           " \"initiator_amount\": \"1000000000000000\", \"responder_amount\": \"1000\","
           " \"channel_reserve\": \"1\", \"lock_period\": 10, \"minimum_depth\": 1}",
           url, role, sk, i, r, port);
  aesc_config *own = NULL, *shared = NULL;
  CHECK_OK(aesc_config_new(json, NULL, NULL, &own));
  REQUIRE(own != NULL);
  CHECK_OK(aesc_config_with_reactor(own, reactor, &shared));
  REQUIRE(shared != NULL);
  aesc_config_free(own);
  return shared;
}

void reactor_tests(void) {
  aesc_node_double *node = NULL;
  char *url = spawn_double("{\"network_id\": \"ae_dev\", \"minimum_depth\": 1}", &node);

  CHECK(aesc_reactor_new(NULL) == AESC_RESULT_NULL_PARAMETER);
  CHECK(aesc_reactor_connections(NULL) == 0);
  aesc_reactor *reactor = NULL;
  CHECK_OK(aesc_reactor_new(&reactor));
  REQUIRE(reactor != NULL);

  aesc_channel *init[CHANNELS], *resp[CHANNELS];
  for (int k = 0; k < CHANNELS; k++) {
    char *isk = NULL, *rsk = NULL, *i = NULL, *r = NULL;
    CHECK_OK(aesc_secret_key_generate(&isk));
    CHECK_OK(aesc_secret_key_generate(&rsk));
    CHECK_OK(aesc_public_key(isk, &i));
    CHECK_OK(aesc_public_key(rsk, &r));
    REQUIRE(i != NULL && r != NULL);
    aesc_config *icfg = config_on(url, "initiator", isk, i, r, 4200 + k, reactor);
    aesc_config *rcfg = config_on(url, "responder", rsk, i, r, 4200 + k, reactor);
    CHECK_OK(aesc_channel_connect(rcfg, &resp[k]));
    CHECK_OK(aesc_channel_connect(icfg, &init[k]));
    REQUIRE(init[k] != NULL && resp[k] != NULL);
    CHECK_OK(aesc_channel_wait_open(init[k]));
    CHECK_OK(aesc_channel_wait_open(resp[k]));
    uint64_t round = 0;
    CHECK_OK(aesc_channel_transfer(init[k], r, "1000", &round));
    CHECK(round == 2);
    /* The channels keep what they need of their configuration and of the reactor. */
    aesc_config_free(icfg);
    aesc_config_free(rcfg);
    aesc_string_free(isk);
    aesc_string_free(rsk);
    aesc_string_free(i);
    aesc_string_free(r);
  }
  CHECK(aesc_reactor_connections(reactor) == 2 * CHANNELS);

  /* Freed before its channels: they go on. */
  aesc_reactor *counter = reactor;
  for (int k = 0; k < CHANNELS; k++) {
    CHECK_OK(aesc_channel_ping(init[k]));
    aesc_channel_free(init[k]);
    aesc_channel_free(resp[k]);
  }
  CHECK(aesc_reactor_connections(counter) == 0);
  aesc_reactor_free(reactor);
  aesc_reactor_free(NULL);
  aesc_string_free(url);
  aesc_node_double_free(node);
}
