/* Bad input through the C interface: NULL for every pointer parameter of a sample of
 * functions, invalid UTF-8, garbage transactions, amounts that do not parse, and the error
 * reporting itself. Nothing may crash, leak or write an output on failure. */
#include "check.h"

static const char *TX =
    "tx_+IgLAcC4g/iBMgGhAWSuDghi3tNLOnvuIVm5FIbC9Ikodk2/E4CKiamLla+Bhj+qJSJgAKEBkLMuMMqdp4Acg/"
    "adLsNQ2VimQAyKhQvdpRTurgwqcKGGJGE5yoAAAgoAhhAGeddIAMCgZP8IHNNsTxaYp/GakGy6MTXm8MnOngPkebqMLgn1uEYx/lR64A==";
static const char *AK = "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C";
static const char *AK2 = "ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt";

/* "ak_" followed by a byte that is no UTF-8. */
static const char BAD_UTF8[] = {'a', 'k', '_', (char)0xff, (char)0xfe, 0};

static void nulls(void) {
  char *out = NULL;
  CHECK_RESULT(aesc_decode(NULL, &out), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_decode(TX, NULL), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_encode(NULL, &out), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_encode("{}", NULL), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_tx_hash(NULL, &out), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_tx_hash(TX, NULL), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_channel_id(NULL, AK2, "1", &out), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_channel_id(AK, NULL, "1", &out), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_channel_id(AK, AK2, NULL, &out), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_channel_id(AK, AK2, "1", NULL), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_secret_key_generate(NULL), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_public_key(NULL, &out), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_tx_sign(NULL, "ae_dev", "sk_x", 0, &out), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_tx_sign(TX, NULL, "sk_x", 0, &out), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_tx_sign(TX, "ae_dev", NULL, 0, &out), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_tx_sign(TX, "ae_dev", "sk_x", 0, NULL), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_tx_co_sign(TX, "ae_dev", "sk_x", 0, NULL, &out), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_tx_verify(TX, "ae_dev", NULL, 1, false, &out), AESC_RESULT_NULL_PARAMETER);
  const char *with_null[2] = {AK, NULL};
  CHECK_RESULT(aesc_tx_verify(TX, "ae_dev", with_null, 2, false, &out),
               AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_tx_verify(TX, "ae_dev", with_null, 1, false, NULL),
               AESC_RESULT_NULL_PARAMETER);
  CHECK(out == NULL);

  aesc_config *cfg = NULL;
  CHECK_RESULT(aesc_config_new(NULL, NULL, NULL, &cfg), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_config_new("{}", NULL, NULL, NULL), AESC_RESULT_NULL_PARAMETER);
  CHECK(cfg == NULL);

  aesc_channel *ch = NULL;
  uint64_t round = 0;
  CHECK_RESULT(aesc_channel_open(NULL, &ch), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_channel_connect(NULL, &ch), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_channel_resume(NULL, &ch), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_channel_reestablish(NULL, NULL, &ch), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_channel_wait_open(NULL), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_channel_reconnect(NULL), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_channel_transfer(NULL, AK, "1", &round), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_channel_send_message(NULL, AK, "x"), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_channel_balances(NULL, NULL, 0, &out), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_channel_shutdown(NULL, NULL, &out), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_channel_leave(NULL, &out), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_channel_next_event(NULL, 0, &out), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_channel_view(NULL, &out), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_node_double_spawn(NULL, NULL), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_node_double_url(NULL, &out), AESC_RESULT_NULL_PARAMETER);
  CHECK(ch == NULL && out == NULL);
  CHECK(!aesc_channel_is_connected(NULL));

  /* Freeing NULL does nothing. */
  aesc_string_free(NULL);
  aesc_config_free(NULL);
  aesc_channel_free(NULL);
  aesc_node_double_free(NULL);
}

static void garbage(void) {
  char *out = NULL;
  CHECK_RESULT(aesc_decode(BAD_UTF8, &out), AESC_RESULT_INVALID_UTF8);
  CHECK_RESULT(aesc_decode("tx_", &out), AESC_RESULT_DECODE_ERROR);
  CHECK_RESULT(aesc_decode("tx_garbage", &out), AESC_RESULT_DECODE_ERROR);
  CHECK_RESULT(aesc_decode("tx_+IgLAcC4g/iBMgGhAWSuDghi3tNLOnvuIVm5FIbC9Ikodk2", &out),
               AESC_RESULT_DECODE_ERROR);
  CHECK_RESULT(aesc_decode("xx_1234", &out), AESC_RESULT_DECODE_ERROR);
  CHECK_RESULT(aesc_decode("", &out), AESC_RESULT_DECODE_ERROR);
  CHECK_RESULT(aesc_tx_hash("tx_AAAA", &out), AESC_RESULT_DECODE_ERROR);
  CHECK_RESULT(aesc_tx_hash(AK, &out), AESC_RESULT_DECODE_ERROR);
  CHECK_RESULT(aesc_encode("not json", &out), AESC_RESULT_INVALID_ARGUMENT);
  CHECK_RESULT(aesc_encode("{\"prefix\": \"tx_\", \"type\": \"Nope\"}", &out),
               AESC_RESULT_INVALID_ARGUMENT);
  CHECK_RESULT(aesc_encode("[1, 2]", &out), AESC_RESULT_INVALID_ARGUMENT);
  CHECK_RESULT(aesc_public_key("sk_nonsense", &out), AESC_RESULT_INVALID_ARGUMENT);
  CHECK_RESULT(aesc_public_key(BAD_UTF8, &out), AESC_RESULT_INVALID_UTF8);
  CHECK_RESULT(aesc_channel_id(AK, AK2, "-1", &out), AESC_RESULT_INVALID_ARGUMENT);
  CHECK_RESULT(aesc_channel_id(AK, AK2, "1e3", &out), AESC_RESULT_INVALID_ARGUMENT);
  CHECK_RESULT(aesc_channel_id(AK, AK2, "", &out), AESC_RESULT_INVALID_ARGUMENT);
  CHECK_RESULT(aesc_channel_id(AK, BAD_UTF8, "1", &out), AESC_RESULT_INVALID_UTF8);
  CHECK_RESULT(aesc_channel_id("ak_short", AK2, "1", &out), AESC_RESULT_INVALID_ARGUMENT);
  const char *signers[1] = {"ak_garbage"};
  CHECK_RESULT(aesc_tx_verify(TX, "ae_dev", signers, 1, false, &out),
               AESC_RESULT_INVALID_ARGUMENT);
  CHECK(out == NULL);
}

static void configs(void) {
  aesc_config *cfg = NULL;
  char *sk = NULL, *ak = NULL;
  CHECK_OK(aesc_secret_key_generate(&sk));
  CHECK_OK(aesc_public_key(sk, &ak));
  REQUIRE(sk != NULL && ak != NULL);
  char json[2048];
  const char *amounts[] = {"\"12abc\"", "\"-5\"", "\"1.5\"", "\"\"", "true",
                           "\"99999999999999999999999999999999999999999999999999999999999999999"
                           "9999999999999999999999999\""};
  for (size_t k = 0; k < sizeof amounts / sizeof amounts[0]; k++) {
    snprintf(json, sizeof json,
             "{\"url\": \"ws://127.0.0.1:1\", \"role\": \"initiator\", \"network_id\": "
             "\"ae_dev\", \"secret_key\": \"%s\", \"peer\": \"%s\", \"host\": \"h\", "
             "\"port\": 1, \"initiator_amount\": %s, \"responder_amount\": \"1\", "
             "\"channel_reserve\": \"1\", \"lock_period\": 1}",
             sk, AK2, amounts[k]);
    CHECK_RESULT(aesc_config_new(json, NULL, NULL, &cfg), AESC_RESULT_INVALID_ARGUMENT);
    /* The message names the field. */
    char msg[256];
    size_t len = 0;
    CHECK_OK(aesc_last_error_message(msg, sizeof msg, &len));
    CHECK(contains(msg, "initiator_amount"));
  }
  CHECK_RESULT(aesc_config_new("{\"role\": \"both\"}", NULL, NULL, &cfg),
               AESC_RESULT_INVALID_ARGUMENT);
  CHECK_RESULT(aesc_config_new("[]", NULL, NULL, &cfg), AESC_RESULT_INVALID_ARGUMENT);
  CHECK_RESULT(aesc_config_new(BAD_UTF8, NULL, NULL, &cfg), AESC_RESULT_INVALID_UTF8);
  /* initiator_id must be the key's own account. */
  snprintf(json, sizeof json,
           "{\"url\": \"ws://127.0.0.1:1\", \"role\": \"initiator\", \"network_id\": \"ae_dev\","
           " \"secret_key\": \"%s\", \"initiator_id\": \"%s\", \"responder_id\": \"%s\"}",
           sk, AK, AK2);
  CHECK_RESULT(aesc_config_new(json, NULL, NULL, &cfg), AESC_RESULT_INVALID_ARGUMENT);
  CHECK(cfg == NULL);

  /* A valid configuration against a port nothing listens on. */
  snprintf(json, sizeof json,
           "{\"url\": \"ws://127.0.0.1:1\", \"role\": \"initiator\", \"network_id\": \"ae_dev\","
           " \"secret_key\": \"%s\", \"initiator_id\": \"%s\", \"responder_id\": \"%s\","
           " \"host\": \"127.0.0.1\", \"port\": 1, \"initiator_amount\": \"10\","
           " \"responder_amount\": 10, \"channel_reserve\": \"1\", \"lock_period\": 1,"
           " \"connection_ms\": {\"connect\": 500}}",
           sk, ak, AK2);
  CHECK_OK(aesc_config_new(json, NULL, NULL, &cfg));
  aesc_channel *ch = NULL;
  CHECK_RESULT(aesc_channel_open(cfg, &ch), AESC_RESULT_CONNECTION_ERROR);
  CHECK(ch == NULL);
  /* Without a store there is nothing to resume. */
  CHECK_RESULT(aesc_channel_resume(cfg, &ch), AESC_RESULT_INVALID_STATE);
  CHECK_RESULT(aesc_channel_open(cfg, NULL), AESC_RESULT_NULL_PARAMETER);
  aesc_config_free(cfg);
  aesc_string_free(sk);
  aesc_string_free(ak);
}

static void error_reporting(void) {
  char *out = NULL;
  CHECK_RESULT(aesc_decode("tx_garbage", &out), AESC_RESULT_DECODE_ERROR);
  CHECK(aesc_last_error_result() == AESC_RESULT_DECODE_ERROR);
  size_t len = 0;
  char big[512];
  CHECK_OK(aesc_last_error_message(big, sizeof big, &len));
  CHECK(len > 0 && strlen(big) == len);
  char small[4];
  size_t len2 = 0;
  CHECK_RESULT(aesc_last_error_message(small, sizeof small, &len2), AESC_RESULT_BUFFER_TOO_SMALL);
  CHECK(len2 == len && strlen(small) == 3 && strncmp(small, big, 3) == 0);
  CHECK_RESULT(aesc_last_error_message(small, 0, &len2), AESC_RESULT_BUFFER_TOO_SMALL);
  CHECK_RESULT(aesc_last_error_message(NULL, 4, &len2), AESC_RESULT_NULL_PARAMETER);
  CHECK_RESULT(aesc_last_error_message(small, 4, NULL), AESC_RESULT_NULL_PARAMETER);
  /* Reading the message changes nothing. */
  CHECK(aesc_last_error_result() == AESC_RESULT_DECODE_ERROR);
  int64_t code = 0, data = 0;
  CHECK(!aesc_last_error_node_code(&code, &data));
  CHECK(strcmp(aesc_result_name(AESC_RESULT_OK), "ok") == 0);
  CHECK(strcmp(aesc_result_name(AESC_RESULT_PANIC), "panic") == 0);
  CHECK(strcmp(aesc_result_name(-1), "unknown result") == 0);
  CHECK(strcmp(aesc_result_name(1000), "unknown result") == 0);
}

void bad_input_tests(void) {
  nulls();
  garbage();
  configs();
  error_reporting();
}
