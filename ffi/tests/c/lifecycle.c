/* A channel's whole life through the C interface, both parties in this program, against the
 * node double: open, transfers both ways (one with meta), a message, balances, leave and
 * reestablish (from the previous handle, then from the state store), a deposit and a
 * withdrawal, a mutual close, and the final balances; bad amounts and a node error on the
 * way. */
#include "check.h"

#define INITIATOR_AMOUNT 1000000000000000ULL
#define RESPONDER_AMOUNT 500000000000000ULL

/* What the responder's policy saw. */
struct seen {
  int proposals;
  int with_tag;
};

static uint16_t count_and_accept(void *userdata, const char *proposal_json) {
  struct seen *seen = userdata;
  seen->proposals++;
  if (contains(proposal_json, "\"tag\":") && contains(proposal_json, "\"own_before\":\"")) {
    seen->with_tag++;
  }
  return 0;
}

/* A configuration for `role` holding `sk`, with accounts `i` and `r`. */
static aesc_config *config(const char *url, const char *role, const char *sk, const char *i,
                           const char *r, const char *store, aesc_policy_callback policy,
                           void *userdata) {
  char json[4096];
  char store_field[1024] = "";
  if (store != NULL) {
    snprintf(store_field, sizeof store_field, "\"store\": \"%s\",", store);
  }
  snprintf(json, sizeof json,
           "{\"url\": \"%s\", \"role\": \"%s\", \"network_id\": \"ae_dev\","
           " \"secret_key\": \"%s\", \"initiator_id\": \"%s\", \"responder_id\": \"%s\","
           " \"host\": \"127.0.0.1\", \"port\": 3333, %s"
           " \"initiator_amount\": \"%llu\", \"responder_amount\": %llu,"
           " \"channel_reserve\": \"1\", \"lock_period\": 10, \"minimum_depth\": 1,"
           " \"deadlines_ms\": {\"open\": 20000, \"co_signed\": 10000, \"on_chain\": 20000}}",
           url, role, sk, i, r, store_field, INITIATOR_AMOUNT, RESPONDER_AMOUNT);
  aesc_config *cfg = NULL;
  CHECK_OK(aesc_config_new(json, policy, userdata, &cfg));
  REQUIRE(cfg != NULL);
  return cfg;
}

/* Reads events of `ch` until one of `type` arrives (or 10 s pass); returns whether it did. */
static int wait_event(const aesc_channel *ch, const char *type) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"type\":\"%s\"", type);
  for (int i = 0; i < 200; i++) {
    char *event = NULL;
    aesc_result r = aesc_channel_next_event(ch, 50, &event);
    if (r == AESC_RESULT_OK) {
      int found = contains(event, pattern);
      aesc_string_free(event);
      if (found) {
        return 1;
      }
    } else if (r != AESC_RESULT_TIMEOUT) {
      return 0;
    }
  }
  return 0;
}

/* The round in the view of `ch`. */
static uint64_t view_round(const aesc_channel *ch) {
  char *view = NULL;
  CHECK_OK(aesc_channel_view(ch, &view));
  uint64_t round = view == NULL ? 0 : json_u64(view, "round");
  aesc_string_free(view);
  return round;
}

static void check_balances(const aesc_channel *ch, const char *i, const char *r,
                           uint64_t expect_i, uint64_t expect_r) {
  const char *accounts[2] = {i, r};
  char *balances = NULL;
  CHECK_OK(aesc_channel_balances(ch, accounts, 2, &balances));
  REQUIRE(balances != NULL);
  CHECK(json_u64(balances, i) == expect_i);
  CHECK(json_u64(balances, r) == expect_r);
  aesc_string_free(balances);
  /* The client's own view agrees. */
  char *view = NULL;
  CHECK_OK(aesc_channel_view(ch, &view));
  CHECK(json_u64(view, i) == expect_i && json_u64(view, r) == expect_r);
  CHECK(contains(view, "\"phase\":\"open\""));
  aesc_string_free(view);
}

void lifecycle_tests(const char *store_dir) {
  aesc_node_double *node = NULL;
  char *url = spawn_double("{\"network_id\": \"ae_dev\", \"minimum_depth\": 1}", &node);

  char *isk = NULL, *rsk = NULL, *i = NULL, *r = NULL;
  CHECK_OK(aesc_secret_key_generate(&isk));
  CHECK_OK(aesc_secret_key_generate(&rsk));
  CHECK_OK(aesc_public_key(isk, &i));
  CHECK_OK(aesc_public_key(rsk, &r));
  REQUIRE(i != NULL && r != NULL);

  char store[1024];
  snprintf(store, sizeof store, "%s/initiator.json", store_dir);
  struct seen seen = {0, 0};
  aesc_config *icfg = config(url, "initiator", isk, i, r, store, NULL, NULL);
  aesc_config *rcfg = config(url, "responder", rsk, i, r, NULL, count_and_accept, &seen);

  /* Open: the responder connects first; both wait. */
  aesc_channel *resp = NULL, *init = NULL;
  CHECK_OK(aesc_channel_connect(rcfg, &resp));
  CHECK_OK(aesc_channel_connect(icfg, &init));
  REQUIRE(resp != NULL && init != NULL);
  CHECK_OK(aesc_channel_wait_open(init));
  CHECK_OK(aesc_channel_wait_open(resp));
  CHECK(aesc_channel_is_connected(init));
  CHECK(seen.proposals == 1); /* responder_sign */
  CHECK_OK(aesc_channel_ping(init));

  /* Transfers both ways, the second with meta. */
  uint64_t round = 0;
  CHECK_OK(aesc_channel_transfer(init, r, "1000", &round));
  CHECK(round == 2);
  const char *meta[2] = {"invoice 17", "thanks"};
  CHECK_OK(aesc_channel_transfer_with_meta(resp, NULL, i, "400", meta, 2, &round));
  CHECK(round == 3);
  CHECK(seen.proposals == 2 && seen.with_tag == 2); /* the initiator's transfer */
  CHECK(wait_event(resp, "co_signed"));

  /* A message. */
  CHECK_OK(aesc_channel_send_message(init, r, "hello from C"));
  char *message = NULL;
  CHECK_OK(aesc_channel_receive_message(resp, 5000, &message));
  CHECK(contains(message, "\"info\":\"hello from C\""));
  aesc_string_free(message);

  /* Amounts that do not parse change nothing; the node refuses one beyond the balance. */
  const char *bad_amounts[] = {"12abc", "-1", "", "1.5", " 7", "0x10"};
  for (size_t k = 0; k < sizeof bad_amounts / sizeof bad_amounts[0]; k++) {
    CHECK_RESULT(aesc_channel_transfer(init, r, bad_amounts[k], &round),
                 AESC_RESULT_INVALID_ARGUMENT);
  }
  CHECK_RESULT(aesc_channel_transfer(init, "ak_nobody", "1", &round), AESC_RESULT_INVALID_ARGUMENT);
  CHECK_RESULT(aesc_channel_transfer(init, r, "99999999999999999999999", &round),
               AESC_RESULT_NODE_ERROR);
  int64_t code = 0, data_code = 0;
  CHECK(aesc_last_error_node_code(&code, &data_code));
  CHECK(data_code == 1001); /* insufficient balance */
  CHECK(round == 3 && view_round(init) == 3);

  /* On-chain operations: a deposit and a withdrawal, each confirmed. */
  CHECK_RESULT(aesc_channel_deposit(init, "10", "{\"fee\": \"x\"}", &round),
               AESC_RESULT_INVALID_ARGUMENT);
  CHECK_RESULT(aesc_channel_deposit(init, "10", "{\"tip\": 1}", &round),
               AESC_RESULT_INVALID_ARGUMENT);
  CHECK_OK(aesc_channel_deposit(init, "1000", NULL, &round));
  CHECK(round == 4);
  CHECK_OK(aesc_channel_withdraw(resp, "300", "{}", &round));
  CHECK(round == 5);

  uint64_t bi = INITIATOR_AMOUNT - 1000 + 400 + 1000, br = RESPONDER_AMOUNT + 1000 - 400 - 300;
  check_balances(init, i, r, bi, br);
  check_balances(resp, i, r, bi, br);

  char *state = NULL;
  CHECK_OK(aesc_channel_offchain_state(init, &state));
  CHECK(contains(state, "\"trees\":\"ss_"));
  aesc_string_free(state);

  /* Leave and reestablish from the previous handle. */
  char *left = NULL;
  CHECK_OK(aesc_channel_leave(init, &left));
  CHECK(left != NULL && strncmp(left, "tx_", 3) == 0);
  aesc_string_free(left);
  CHECK(wait_event(resp, "left"));
  CHECK_OK(aesc_channel_reconnect(resp));
  aesc_channel *again = NULL;
  CHECK_OK(aesc_channel_reestablish(icfg, init, &again));
  REQUIRE(again != NULL);
  aesc_channel_free(init);
  init = again;
  CHECK(view_round(init) == 5);
  CHECK_OK(aesc_channel_transfer(init, r, "5", &round));
  CHECK(round == 6);

  /* Leave again, drop the handle, and resume from the state store. */
  left = NULL;
  CHECK_OK(aesc_channel_leave(init, &left));
  aesc_string_free(left);
  aesc_channel_free(init);
  init = NULL;
  CHECK(wait_event(resp, "left"));
  CHECK_OK(aesc_channel_reconnect(resp));
  CHECK_OK(aesc_channel_resume(icfg, &init));
  REQUIRE(init != NULL);
  CHECK(view_round(init) == 6);
  bi -= 5;
  br += 5;
  check_balances(init, i, r, bi, br);

  /* Mutual close: the final balances of the close transaction add up. */
  char *close_tx = NULL, *close_json = NULL;
  CHECK_OK(aesc_channel_shutdown(resp, NULL, &close_tx));
  REQUIRE(close_tx != NULL);
  CHECK_OK(aesc_decode(close_tx, &close_json));
  REQUIRE(close_json != NULL);
  CHECK(contains(close_json, "ChannelCloseMutualTx"));
  uint64_t fi = json_u64(close_json, "initiator_amount_final");
  uint64_t fr = json_u64(close_json, "responder_amount_final");
  uint64_t fee = json_u64(close_json, "fee");
  CHECK(fi + fr + fee == INITIATOR_AMOUNT + RESPONDER_AMOUNT + 1000 - 300);
  CHECK(fi <= bi && fr <= br && bi - fi + br - fr == fee);
  const char *both[2] = {i, r};
  char *report = NULL;
  CHECK_OK(aesc_tx_verify(close_tx, "ae_dev", both, 2, false, &report));
  aesc_string_free(report);
  aesc_string_free(close_json);
  aesc_string_free(close_tx);
  CHECK(wait_event(init, "on_chain_tx"));

  aesc_channel_free(init);
  aesc_channel_free(resp);
  aesc_config_free(icfg);
  aesc_config_free(rcfg);
  aesc_string_free(isk);
  aesc_string_free(rsk);
  aesc_string_free(i);
  aesc_string_free(r);
  aesc_string_free(url);
  aesc_node_double_free(node);
}
