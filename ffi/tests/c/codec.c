/* The codec through the C interface: recorded transactions decode, encode back to the same
 * string, hash to the recorded hash and verify against their recorded signers; keys sign and
 * co-sign. */
#include "check.h"

#define MAX_LINE 8192
#define MAX_SIGNERS 4

/* One recorded vector: TX \t TX_HASH \t NETWORK_ID \t SIGNER,SIGNER \t TYPE */
struct vector {
  char *tx;
  char *hash;
  char *network;
  char *signers[MAX_SIGNERS];
  size_t signers_len;
  char *type;
};

static int parse_vector(char *line, struct vector *v) {
  char *fields[5];
  for (int i = 0; i < 5; i++) {
    fields[i] = line;
    char *tab = strchr(line, i < 4 ? '\t' : '\n');
    if (tab == NULL) {
      if (i < 4) {
        return 0;
      }
    } else {
      *tab = '\0';
      line = tab + 1;
    }
  }
  v->tx = fields[0];
  v->hash = fields[1];
  v->network = fields[2];
  v->type = fields[4];
  v->signers_len = 0;
  for (char *s = fields[3]; *s != '\0' && v->signers_len < MAX_SIGNERS;) {
    v->signers[v->signers_len++] = s;
    char *comma = strchr(s, ',');
    if (comma == NULL) {
      break;
    }
    *comma = '\0';
    s = comma + 1;
  }
  return 1;
}

static void round_trip(const struct vector *v) {
  char *json = NULL;
  CHECK_OK(aesc_decode(v->tx, &json));
  REQUIRE(json != NULL);
  CHECK(contains(json, "\"prefix\":\"tx\""));
  CHECK(contains(json, v->type));

  char *again = NULL;
  CHECK_OK(aesc_encode(json, &again));
  CHECK(again != NULL && strcmp(again, v->tx) == 0);

  char *hash = NULL;
  CHECK_OK(aesc_tx_hash(v->tx, &hash));
  CHECK(hash != NULL && strcmp(hash, v->hash) == 0);

  if (v->signers_len > 0) {
    char *report = NULL;
    const char *signers[MAX_SIGNERS];
    for (size_t i = 0; i < v->signers_len; i++) {
      signers[i] = v->signers[i];
    }
    CHECK_OK(aesc_tx_verify(v->tx, v->network, signers, v->signers_len, false, &report));
    CHECK(contains(report, "\"verified\":true"));
    aesc_string_free(report);
    /* Another network: no signature verifies. */
    report = NULL;
    CHECK_RESULT(aesc_tx_verify(v->tx, "ae_elsewhere", signers, v->signers_len, true, &report),
                 AESC_RESULT_SIGNATURE_ERROR);
    CHECK(contains(report, "\"verified\":false"));
    aesc_string_free(report);
  }
  aesc_string_free(json);
  aesc_string_free(again);
  aesc_string_free(hash);
}

/* A bare transaction signed by one key and co-signed by another verifies against both. */
static void sign_and_co_sign(const char *bare_tx) {
  char *alice = NULL, *bob = NULL, *alice_ak = NULL, *bob_ak = NULL;
  CHECK_OK(aesc_secret_key_generate(&alice));
  CHECK_OK(aesc_secret_key_generate(&bob));
  REQUIRE(alice != NULL && bob != NULL);
  CHECK(strncmp(alice, "sk_", 3) == 0);
  CHECK_OK(aesc_public_key(alice, &alice_ak));
  CHECK_OK(aesc_public_key(bob, &bob_ak));
  REQUIRE(alice_ak != NULL && bob_ak != NULL);
  CHECK(strncmp(alice_ak, "ak_", 3) == 0);

  char *once = NULL, *twice = NULL, *report = NULL;
  CHECK_OK(aesc_tx_sign(bare_tx, "ae_dev", alice, AESC_SIGNATURE_FORM_RAW, &once));
  REQUIRE(once != NULL);
  /* Signing a signed transaction again is co-signing. */
  char *not_again = NULL;
  CHECK_RESULT(aesc_tx_sign(once, "ae_dev", bob, AESC_SIGNATURE_FORM_RAW, &not_again),
               AESC_RESULT_INVALID_ARGUMENT);
  CHECK(not_again == NULL);
  /* Co-signing needs the peer's signature for the same network. */
  CHECK_RESULT(aesc_tx_co_sign(once, "ae_uat", bob, AESC_SIGNATURE_FORM_HASH, alice_ak, &twice),
               AESC_RESULT_SIGNATURE_ERROR);
  CHECK_OK(aesc_tx_co_sign(once, "ae_dev", bob, AESC_SIGNATURE_FORM_HASH, alice_ak, &twice));
  REQUIRE(twice != NULL);
  const char *both[2] = {alice_ak, bob_ak};
  CHECK_OK(aesc_tx_verify(twice, "ae_dev", both, 2, false, &report));
  CHECK(contains(report, "\"form\":\"raw\"") && contains(report, "\"form\":\"hash\""));
  aesc_string_free(report);
  report = NULL;
  /* One signer alone is not enough unless `any`. */
  CHECK_RESULT(aesc_tx_verify(twice, "ae_dev", both, 1, false, &report),
               AESC_RESULT_SIGNATURE_ERROR);
  aesc_string_free(report);
  report = NULL;
  CHECK_OK(aesc_tx_verify(twice, "ae_dev", both, 1, true, &report));
  aesc_string_free(report);
  /* A bad form is refused. */
  char *bad = NULL;
  CHECK_RESULT(aesc_tx_sign(bare_tx, "ae_dev", alice, 7, &bad), AESC_RESULT_INVALID_ARGUMENT);

  aesc_string_free(once);
  aesc_string_free(twice);
  aesc_string_free(alice);
  aesc_string_free(bob);
  aesc_string_free(alice_ak);
  aesc_string_free(bob_ak);
}

static void ids(void) {
  char *json = NULL, *id = NULL;
  const char *account = "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C";
  CHECK_OK(aesc_decode(account, &json));
  CHECK(contains(json, "\"type\":\"AccountPubkey\""));
  CHECK_OK(aesc_encode(json, &id));
  CHECK(id != NULL && strcmp(id, account) == 0);
  aesc_string_free(json);
  aesc_string_free(id);
  /* From the first recorded session. */
  id = NULL;
  CHECK_OK(aesc_channel_id(account, "ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt", "49",
                           &id));
  CHECK(id != NULL && strcmp(id, "ch_S8axer1izndZW5nt5Qi7e8gZsjDFi13S64RZkWSFzHYmUi3PJ") == 0);
  aesc_string_free(id);
}

void codec_tests(const char *vectors_path) {
  FILE *f = fopen(vectors_path, "r");
  REQUIRE(f != NULL);
  static char line[MAX_LINE];
  static char bare[MAX_LINE];
  bare[0] = '\0';
  int count = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    struct vector v;
    REQUIRE(parse_vector(line, &v));
    round_trip(&v);
    if (v.signers_len == 0 && bare[0] == '\0') {
      snprintf(bare, sizeof bare, "%s", v.tx);
    }
    count++;
  }
  fclose(f);
  CHECK(count > 0);
  REQUIRE(bare[0] != '\0');
  sign_and_co_sign(bare);
  ids();
}
