"""Tests of the ctypes wrapper (ffi/python/aesc.py) against libaesc built with the node double.

Run by `cargo test -p aesc-ffi --test foreign`, which sets AESC_LIB, AESC_VECTORS and
AESC_SCRATCH and puts ffi/python on PYTHONPATH. Standard library only.
"""

import json
import os
import sys
import unittest

import aesc

INITIATOR_AMOUNT = 10**15
RESPONDER_AMOUNT = 5 * 10**14


def recorded():
    with open(os.environ["AESC_VECTORS"]) as f:
        doc = json.load(f)
    for session in doc["sessions"]:
        for tx in session["txs"]:
            yield session["network_id"], tx


class Codec(unittest.TestCase):
    def test_recorded_transactions_decode_and_encode_back(self):
        count = 0
        for network, vector in recorded():
            obj = aesc.decode(vector["tx"])
            self.assertEqual(obj["prefix"], "tx")
            self.assertIn(vector["type"], json.dumps(obj))
            self.assertEqual(aesc.encode(obj), vector["tx"])
            self.assertEqual(aesc.tx_hash(vector["tx"]), vector["tx_hash"])
            signers = [s["signer"] for s in vector["signatures"]]
            if signers:
                report = aesc.verify(vector["tx"], network, signers)
                self.assertTrue(report["verified"], report)
            count += 1
        self.assertGreater(count, 0)

    def test_keys_sign_and_co_sign(self):
        bare = next(v["tx"] for _, v in recorded() if not v["signatures"])
        alice, bob = aesc.generate_secret_key(), aesc.generate_secret_key()
        a, b = aesc.public_key(alice), aesc.public_key(bob)
        once = aesc.sign(bare, "ae_dev", alice)
        twice = aesc.co_sign(once, "ae_dev", bob, a, form="hash")
        self.assertTrue(aesc.verify(twice, "ae_dev", [a, b])["verified"])
        self.assertFalse(aesc.verify(once, "ae_dev", [a, b])["verified"])

    def test_errors_carry_code_and_message(self):
        with self.assertRaises(aesc.AescError) as e:
            aesc.decode("tx_garbage")
        self.assertEqual(e.exception.code, aesc.DECODE_ERROR)
        self.assertEqual(e.exception.name, "decode error")
        self.assertTrue(e.exception.message)
        with self.assertRaises(aesc.AescError) as e:
            aesc.encode({"prefix": "tx", "type": "SignedTx"})
        self.assertEqual(e.exception.code, aesc.INVALID_ARGUMENT)
        with self.assertRaises(aesc.AescError) as e:
            aesc.channel_id("ak_x", "ak_y", "12")
        self.assertEqual(e.exception.code, aesc.INVALID_ARGUMENT)

    def test_version(self):
        self.assertRegex(aesc.version(), r"^\d+\.\d+\.\d+")


def config(url, role, sk, initiator, responder, **extra):
    params = {
        "url": url, "role": role, "network_id": "ae_dev", "secret_key": sk,
        "initiator_id": initiator, "responder_id": responder,
        "host": "127.0.0.1", "port": 3340,
        "initiator_amount": str(INITIATOR_AMOUNT), "responder_amount": RESPONDER_AMOUNT,
        "channel_reserve": "1", "lock_period": 10, "minimum_depth": 1,
        "deadlines_ms": {"open": 20000, "co_signed": 10000, "on_chain": 20000},
    }
    params.update(extra)
    return params


class Lifecycle(unittest.TestCase):
    def test_open_transfer_message_close(self):
        proposals = []
        with aesc.NodeDouble(network_id="ae_dev", minimum_depth=1) as node:
            isk, rsk = aesc.generate_secret_key(), aesc.generate_secret_key()
            i, r = aesc.public_key(isk), aesc.public_key(rsk)
            store = os.path.join(os.environ["AESC_SCRATCH"], "initiator.json")
            icfg = aesc.Config(config(node.url, "initiator", isk, i, r, store=store))
            rcfg = aesc.Config(config(node.url, "responder", rsk, i, r),
                               policy=lambda p: proposals.append(p) or 0)
            with aesc.Channel.connect(rcfg) as resp, aesc.Channel.connect(icfg) as init:
                init.wait_open()
                resp.wait_open()
                self.assertEqual([p["tag"] for p in proposals], ["responder_sign"])

                self.assertEqual(init.transfer(r, 1000), 2)
                self.assertEqual(resp.transfer(i, "400", meta=["py"]), 3)
                self.assertEqual(proposals[-1]["change"]["updates"][0]["amount"], "1000")

                init.send_message(r, "hello from Python")
                message = resp.receive_message(timeout=5)
                self.assertEqual(message["info"], "hello from Python")

                bi, br = INITIATOR_AMOUNT - 600, RESPONDER_AMOUNT + 600
                self.assertEqual(init.balances([i, r]), {i: bi, r: br})
                view = resp.view()
                self.assertEqual((view["round"], view["phase"]), (3, "open"))
                self.assertEqual(view["balances"], {i: bi, r: br})

                close = init.shutdown()
                tx = aesc.decode(close)["tx"]
                final = tx["initiator_amount_final"] + tx["responder_amount_final"]
                self.assertEqual(final + tx["fee"], INITIATOR_AMOUNT + RESPONDER_AMOUNT)
                self.assertTrue(aesc.verify(close, "ae_dev", [i, r])["verified"])
                types = set()
                while (event := resp.next_event(timeout=0.2)) is not None:
                    types.add(event["type"])
                # The co-signed states before the message were consumed by receive_message.
                self.assertLessEqual({"accepted", "on_chain_tx"}, types)

                with self.assertRaises(aesc.AescError) as e:
                    init.transfer(r, "not a number")
                self.assertEqual(e.exception.code, aesc.INVALID_ARGUMENT)
            icfg.close()
            rcfg.close()


class SharedReactor(unittest.TestCase):
    def test_channels_on_one_reactor(self):
        with aesc.NodeDouble(network_id="ae_dev", minimum_depth=1) as node:
            reactor = aesc.Reactor()
            channels = []
            for k in range(3):
                isk, rsk = aesc.generate_secret_key(), aesc.generate_secret_key()
                i, r = aesc.public_key(isk), aesc.public_key(rsk)
                icfg = aesc.Config(config(node.url, "initiator", isk, i, r, port=3350 + k),
                                   reactor=reactor)
                rcfg = aesc.Config(config(node.url, "responder", rsk, i, r, port=3350 + k),
                                   reactor=reactor)
                resp, init = aesc.Channel.connect(rcfg), aesc.Channel.connect(icfg)
                init.wait_open()
                resp.wait_open()
                self.assertEqual(init.transfer(r, 1000), 2)
                channels += [init, resp]
            self.assertEqual(reactor.connections, 6)
            for ch in channels:
                ch.close()
            self.assertEqual(reactor.connections, 0)
            reactor.close()


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
