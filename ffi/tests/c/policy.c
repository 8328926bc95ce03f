/* A signing policy callback that refuses: the responder's open fails with
 * AESC_RESULT_REFUSED and nothing is signed; in an open channel, a refused transfer leaves
 * the round and the balances as they were. */
#include "check.h"

/* A policy that refuses what it is told to, with code 200. */
struct gate {
  int refuse;
  int asked;
  int refused;
  char last_tag[64];
};

static uint16_t gate(void *userdata, const char *proposal_json) {
  struct gate *g = userdata;
  g->asked++;
  const char *tag = strstr(proposal_json, "\"tag\":\"");
  if (tag != NULL) {
    snprintf(g->last_tag, sizeof g->last_tag, "%.20s", tag + 7);
  }
  if (g->refuse) {
    g->refused++;
    return 200;
  }
  return 0;
}

static aesc_config *config(const char *url, const char *role, const char *sk, const char *peer,
                           struct gate *g, unsigned open_ms) {
  char json[2048];
  snprintf(json, sizeof json,
           "{\"url\": \"%s\", \"role\": \"%s\", \"network_id\": \"ae_dev\","
           " \"secret_key\": \"%s\", \"peer\": \"%s\", \"host\": \"127.0.0.1\", \"port\": 3334,"
           " \"initiator_amount\": \"1000000\", \"responder_amount\": \"1000000\","
           " \"channel_reserve\": \"1\", \"lock_period\": 10, \"minimum_depth\": 1,"
           " \"deadlines_ms\": {\"open\": %u, \"co_signed\": 10000}}",
           url, role, sk, peer, open_ms);
  aesc_config *cfg = NULL;
  CHECK_OK(aesc_config_new(json, g == NULL ? NULL : gate, g, &cfg));
  REQUIRE(cfg != NULL);
  return cfg;
}

struct party {
  char *sk;
  char *ak;
};

static struct party party(void) {
  struct party p = {NULL, NULL};
  CHECK_OK(aesc_secret_key_generate(&p.sk));
  CHECK_OK(aesc_public_key(p.sk, &p.ak));
  REQUIRE(p.ak != NULL);
  return p;
}

static void free_party(struct party p) {
  aesc_string_free(p.sk);
  aesc_string_free(p.ak);
}

/* The responder's policy refuses the channel itself. */
static void refused_open(const char *url) {
  struct party i = party(), r = party();
  struct gate g = {1, 0, 0, ""};
  aesc_config *icfg = config(url, "initiator", i.sk, r.ak, NULL, 2000);
  aesc_config *rcfg = config(url, "responder", r.sk, i.ak, &g, 2000);
  aesc_channel *resp = NULL, *init = NULL;
  CHECK_OK(aesc_channel_connect(rcfg, &resp));
  CHECK_OK(aesc_channel_connect(icfg, &init));
  REQUIRE(resp != NULL && init != NULL);
  CHECK_RESULT(aesc_channel_wait_open(resp), AESC_RESULT_REFUSED);
  CHECK(g.asked == 1 && g.refused == 1);
  CHECK(strncmp(g.last_tag, "responder_sign", 14) == 0);
  /* The initiator's open does not complete. */
  CHECK(aesc_channel_wait_open(init) != AESC_RESULT_OK);
  char *view = NULL;
  CHECK_OK(aesc_channel_view(resp, &view));
  CHECK(contains(view, "\"latest\":null") && contains(view, "\"round\":0"));
  aesc_string_free(view);
  aesc_channel_free(init);
  aesc_channel_free(resp);
  aesc_config_free(icfg);
  aesc_config_free(rcfg);
  free_party(i);
  free_party(r);
}

/* In an open channel the responder's policy refuses one transfer. */
static void refused_transfer(const char *url) {
  struct party i = party(), r = party();
  struct gate g = {0, 0, 0, ""};
  aesc_config *icfg = config(url, "initiator", i.sk, r.ak, NULL, 20000);
  aesc_config *rcfg = config(url, "responder", r.sk, i.ak, &g, 20000);
  aesc_channel *resp = NULL, *init = NULL;
  CHECK_OK(aesc_channel_connect(rcfg, &resp));
  CHECK_OK(aesc_channel_connect(icfg, &init));
  REQUIRE(resp != NULL && init != NULL);
  CHECK_OK(aesc_channel_wait_open(init));
  CHECK_OK(aesc_channel_wait_open(resp));

  uint64_t round = 0;
  g.refuse = 1;
  CHECK_RESULT(aesc_channel_transfer(init, r.ak, "10", &round), AESC_RESULT_CONFLICT);
  CHECK(round == 0);
  CHECK(g.refused == 1 && strncmp(g.last_tag, "update_ack", 10) == 0);
  /* The responder reports the refusal with the callback's code. */
  int seen = 0;
  for (int k = 0; k < 100 && !seen; k++) {
    char *event = NULL;
    if (aesc_channel_next_event(resp, 50, &event) == AESC_RESULT_OK) {
      seen = contains(event, "\"type\":\"refused\"") && contains(event, "\"abort_code\":200");
      aesc_string_free(event);
    }
  }
  CHECK(seen);
  /* Nothing was signed: round 1, balances as opened; the next transfer goes through. */
  const char *accounts[2] = {i.ak, r.ak};
  char *balances = NULL;
  CHECK_OK(aesc_channel_balances(init, accounts, 2, &balances));
  CHECK(json_u64(balances, i.ak) == 1000000 && json_u64(balances, r.ak) == 1000000);
  aesc_string_free(balances);
  g.refuse = 0;
  CHECK_OK(aesc_channel_transfer(init, r.ak, "10", &round));
  CHECK(round == 2);

  aesc_channel_free(init);
  aesc_channel_free(resp);
  aesc_config_free(icfg);
  aesc_config_free(rcfg);
  free_party(i);
  free_party(r);
}

void policy_tests(void) {
  aesc_node_double *node = NULL;
  char *url = spawn_double("{\"minimum_depth\": 1}", &node);
  refused_open(url);
  refused_transfer(url);
  aesc_string_free(url);
  aesc_node_double_free(node);
}
