"""æternity state channels and their codec from Python, through libaesc and ctypes.

Standard library only. The library is found through the ``AESC_LIB`` environment variable (the
path of ``libaesc.so`` / ``libaesc.dylib`` / ``aesc.dll``) or next to this file.

    import aesc
    obj = aesc.decode("tx_...")          # the object `aesc decode` prints, as a dict
    assert aesc.encode(obj) == "tx_..."

    with aesc.Channel.open(aesc.Config({...})) as ch:
        ch.transfer(peer, 10)

Every failure raises :class:`AescError`, which carries the library's result code and message.
Amounts may be given as ints or decimal strings; they come back as ints.
"""

import ctypes
import json
import os
import sys

__all__ = [
    "AescError", "Config", "Channel", "NodeDouble", "version", "decode", "encode", "tx_hash",
    "channel_id", "generate_secret_key", "public_key", "sign", "co_sign", "verify",
]

# Result codes (aesc_result in aesc.h).
OK = 0
NULL_PARAMETER = 1
INVALID_ARGUMENT = 2
INVALID_UTF8 = 3
DECODE_ERROR = 4
SIGNATURE_ERROR = 5
REFUSED = 6
TIMEOUT = 7
DISCONNECTED = 8
NODE_ERROR = 9
CLOSED = 10
BUFFER_TOO_SMALL = 11
PANIC = 12
NO_ENTROPY = 13
INVALID_STATE = 14
CONFLICT = 15
BUSY = 16
ABORTED = 17
CONNECTION_ERROR = 18
PROTOCOL_ERROR = 19
STORE_ERROR = 20
FSM_STOPPED = 21
OTHER = 22

_FORMS = {"raw": 0, "hash": 1}


class AescError(Exception):
    """A call into libaesc failed.

    ``code`` is the result code (one of the constants of this module), ``name`` its name,
    ``message`` the library's detail, and ``node_code`` / ``node_data_code`` the codes of an
    error of the node (None otherwise).
    """

    def __init__(self, code, message, node_code=None, node_data_code=None):
        self.code = code
        self.name = _lib().aesc_result_name(code).decode()
        self.message = message
        self.node_code = node_code
        self.node_data_code = node_data_code
        super().__init__(f"{self.name} ({code}): {message}")


_LIB = None
_OUT = ctypes.POINTER(ctypes.c_void_p)
_POLICY = ctypes.CFUNCTYPE(ctypes.c_uint16, ctypes.c_void_p, ctypes.c_char_p)


def _library_path():
    path = os.environ.get("AESC_LIB")
    if path:
        return path
    here = os.path.dirname(os.path.abspath(__file__))
    name = {"darwin": "libaesc.dylib", "win32": "aesc.dll"}.get(sys.platform, "libaesc.so")
    return os.path.join(here, name)


def _declare(lib):
    c_char_p, c_void_p, c_size_t = ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t
    c_int, c_uint64, c_uint32 = ctypes.c_int, ctypes.c_uint64, ctypes.c_uint32
    strs = ctypes.POINTER(c_char_p)
    signatures = {
        "aesc_version": (c_char_p, []),
        "aesc_result_name": (c_char_p, [c_int]),
        "aesc_last_error_message": (c_int, [c_char_p, c_size_t, ctypes.POINTER(c_size_t)]),
        "aesc_last_error_node_code": (ctypes.c_bool, [ctypes.POINTER(ctypes.c_int64)] * 2),
        "aesc_string_free": (None, [c_void_p]),
        "aesc_decode": (c_int, [c_char_p, _OUT]),
        "aesc_encode": (c_int, [c_char_p, _OUT]),
        "aesc_tx_hash": (c_int, [c_char_p, _OUT]),
        "aesc_channel_id": (c_int, [c_char_p, c_char_p, c_char_p, _OUT]),
        "aesc_secret_key_generate": (c_int, [_OUT]),
        "aesc_public_key": (c_int, [c_char_p, _OUT]),
        "aesc_tx_sign": (c_int, [c_char_p, c_char_p, c_char_p, c_uint32, _OUT]),
        "aesc_tx_co_sign": (c_int, [c_char_p, c_char_p, c_char_p, c_uint32, c_char_p, _OUT]),
        "aesc_tx_verify": (c_int, [c_char_p, c_char_p, strs, c_size_t, ctypes.c_bool, _OUT]),
        "aesc_config_new": (c_int, [c_char_p, _POLICY, c_void_p, _OUT]),
        "aesc_config_free": (None, [c_void_p]),
        "aesc_config_with_reactor": (c_int, [c_void_p, c_void_p, _OUT]),
        "aesc_reactor_new": (c_int, [_OUT]),
        "aesc_reactor_connections": (c_size_t, [c_void_p]),
        "aesc_reactor_free": (None, [c_void_p]),
        "aesc_channel_open": (c_int, [c_void_p, _OUT]),
        "aesc_channel_connect": (c_int, [c_void_p, _OUT]),
        "aesc_channel_wait_open": (c_int, [c_void_p]),
        "aesc_channel_reestablish": (c_int, [c_void_p, c_void_p, _OUT]),
        "aesc_channel_resume": (c_int, [c_void_p, _OUT]),
        "aesc_channel_reconnect": (c_int, [c_void_p]),
        "aesc_channel_start_reconnect": (c_int, [c_void_p]),
        "aesc_channel_is_connected": (ctypes.c_bool, [c_void_p]),
        "aesc_channel_free": (None, [c_void_p]),
        "aesc_channel_transfer_with_meta": (
            c_int, [c_void_p, c_char_p, c_char_p, c_char_p, strs, c_size_t,
                    ctypes.POINTER(c_uint64)]),
        "aesc_channel_send_message": (c_int, [c_void_p, c_char_p, c_char_p]),
        "aesc_channel_balances": (c_int, [c_void_p, strs, c_size_t, _OUT]),
        "aesc_channel_offchain_state": (c_int, [c_void_p, _OUT]),
        "aesc_channel_ping": (c_int, [c_void_p]),
        "aesc_channel_stop": (c_int, [c_void_p]),
        "aesc_channel_deposit": (c_int, [c_void_p, c_char_p, c_char_p, ctypes.POINTER(c_uint64)]),
        "aesc_channel_withdraw": (c_int, [c_void_p, c_char_p, c_char_p, ctypes.POINTER(c_uint64)]),
        "aesc_channel_shutdown": (c_int, [c_void_p, c_char_p, _OUT]),
        "aesc_channel_close_solo": (c_int, [c_void_p, c_char_p, _OUT]),
        "aesc_channel_settle": (c_int, [c_void_p, c_char_p, _OUT]),
        "aesc_channel_slash": (c_int, [c_void_p, c_char_p, _OUT]),
        "aesc_channel_snapshot": (c_int, [c_void_p, c_char_p, _OUT]),
        "aesc_channel_leave": (c_int, [c_void_p, _OUT]),
        "aesc_channel_next_event": (c_int, [c_void_p, c_uint64, _OUT]),
        "aesc_channel_receive_message": (c_int, [c_void_p, c_uint64, _OUT]),
        "aesc_channel_view": (c_int, [c_void_p, _OUT]),
    }
    for name, (restype, argtypes) in signatures.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    if hasattr(lib, "aesc_node_double_spawn"):
        lib.aesc_node_double_spawn.restype = c_int
        lib.aesc_node_double_spawn.argtypes = [c_char_p, _OUT]
        lib.aesc_node_double_url.restype = c_int
        lib.aesc_node_double_url.argtypes = [c_void_p, _OUT]
        lib.aesc_node_double_free.restype = None
        lib.aesc_node_double_free.argtypes = [c_void_p]
    return lib


def _lib():
    global _LIB
    if _LIB is None:
        _LIB = _declare(ctypes.CDLL(_library_path()))
    return _LIB


def _error(code):
    lib = _lib()
    length = ctypes.c_size_t(0)
    buf = ctypes.create_string_buffer(1024)
    if lib.aesc_last_error_message(buf, len(buf), ctypes.byref(length)) == BUFFER_TOO_SMALL:
        buf = ctypes.create_string_buffer(length.value + 1)
        lib.aesc_last_error_message(buf, len(buf), ctypes.byref(length))
    node, data = ctypes.c_int64(0), ctypes.c_int64(0)
    if lib.aesc_last_error_node_code(ctypes.byref(node), ctypes.byref(data)):
        return AescError(code, buf.value.decode("utf-8", "replace"), node.value, data.value)
    return AescError(code, buf.value.decode("utf-8", "replace"))


def _check(code):
    if code != OK:
        raise _error(code)


def _text(value):
    """A string parameter as NUL-terminated UTF-8 (None stays NULL)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


def _strings(values):
    values = [_text(v) for v in values]
    return (ctypes.c_char_p * max(len(values), 1))(*values), len(values)


def _take(ptr):
    """The library's string at ``ptr`` as str; frees it."""
    try:
        return ctypes.string_at(ptr.value).decode("utf-8")
    finally:
        _lib().aesc_string_free(ptr)


def _call_str(fn, *args):
    out = ctypes.c_void_p()
    _check(fn(*args, ctypes.byref(out)))
    return _take(out)


def version():
    """The version of the loaded library."""
    return _lib().aesc_version().decode()


def decode(s):
    """Decodes a prefixed string into the object ``aesc decode`` prints, as a dict."""
    return json.loads(_call_str(_lib().aesc_decode, _text(s)))


def encode(obj):
    """Encodes an object as :func:`decode` returns it (a dict or its JSON text) back into its
    prefixed string."""
    text = obj if isinstance(obj, (str, bytes)) else json.dumps(obj)
    return _call_str(_lib().aesc_encode, _text(text))


def tx_hash(tx):
    """The hash (``th_...``) of a signed transaction."""
    return _call_str(_lib().aesc_tx_hash, _text(tx))


def channel_id(initiator, responder, nonce):
    """The id (``ch_...``) of the channel the create transaction with ``nonce`` opens."""
    return _call_str(_lib().aesc_channel_id, _text(initiator), _text(responder), _text(nonce))


def generate_secret_key():
    """A fresh secret key (``sk_...``) from the operating system's randomness."""
    return _call_str(_lib().aesc_secret_key_generate)


def public_key(secret_key):
    """The account (``ak_...``) of a secret key."""
    return _call_str(_lib().aesc_public_key, _text(secret_key))


def sign(tx, network_id, secret_key, form="raw"):
    """Signs an unsigned transaction; returns the signed ``tx_...``."""
    return _call_str(_lib().aesc_tx_sign, _text(tx), _text(network_id), _text(secret_key),
                     _FORMS[form])


def co_sign(tx, network_id, secret_key, peer, form="raw"):
    """Adds a signature to a transaction that carries a verifying signature of ``peer``."""
    return _call_str(_lib().aesc_tx_co_sign, _text(tx), _text(network_id), _text(secret_key),
                     _FORMS[form], _text(peer))


def verify(tx, network_id, signers, any=False):
    """The verification report of ``aesc verify`` as a dict; ``report["verified"]`` says
    whether the transaction is verified (a transaction that is not raises nothing)."""
    array, n = _strings(signers)
    out = ctypes.c_void_p()
    code = _lib().aesc_tx_verify(_text(tx), _text(network_id), array, n, any, ctypes.byref(out))
    if code not in (OK, SIGNATURE_ERROR):
        raise _error(code)
    return json.loads(_take(out))


class _Handle:
    """An owned libaesc handle, freed by ``close()``, at the end of a ``with`` block, or when
    the object is collected. ``_free`` names the library's free function."""

    _free = ""

    def close(self):
        """Frees the handle; closing it again does nothing."""
        if self._ptr:
            getattr(_lib(), self._free)(self._ptr)
            self._ptr = ctypes.c_void_p()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


class Reactor(_Handle):
    """An I/O thread that any number of channels share (``aesc_reactor_new``): give it to
    each ``Config`` (``reactor=``) of a program with many channels; without one, each channel
    runs on an I/O thread of its own. ``close()`` frees this handle; the thread goes on while
    channels use it."""

    _free = "aesc_reactor_free"

    def __init__(self):
        self._ptr = ctypes.c_void_p()
        _check(_lib().aesc_reactor_new(ctypes.byref(self._ptr)))

    @property
    def connections(self):
        """How many connections it runs now."""
        return _lib().aesc_reactor_connections(self._ptr)


class Config(_Handle):
    """A channel configuration: a dict with the names of the node's connect parameters (see
    ``aesc_config_new`` in aesc.h), an optional signing policy and an optional shared
    ``Reactor``.

    ``policy(proposal: dict) -> int`` returns 0 (or True, or None) to co-sign the other
    party's proposal, or an abort code from 1 to 65535 (or False, for 4) to refuse it. It runs
    on the channel's I/O thread and must be quick; an exception in it refuses with code 4.

    ``close()`` frees the configuration; channels made from it keep working.
    """

    _free = "aesc_config_free"

    def __init__(self, params, policy=None, reactor=None):
        text = params if isinstance(params, str) else json.dumps(params)
        self._policy = None
        callback = _POLICY()
        if policy is not None:
            def call(_userdata, proposal):
                try:
                    answer = policy(json.loads(proposal.decode("utf-8")))
                except Exception:  # noqa: BLE001 - a failing policy refuses
                    return 4
                if answer is None or answer is True:
                    return 0
                if answer is False:
                    return 4
                return int(answer) & 0xFFFF
            callback = _POLICY(call)
            self._policy = callback
        self._ptr = ctypes.c_void_p()
        _check(_lib().aesc_config_new(_text(text), callback, None, ctypes.byref(self._ptr)))
        if reactor is not None:
            own, self._ptr = self._ptr, ctypes.c_void_p()
            try:
                _check(_lib().aesc_config_with_reactor(own, reactor._ptr, ctypes.byref(self._ptr)))
            finally:
                _lib().aesc_config_free(own)



def _options(options):
    return _text(json.dumps({k: str(v) for k, v in options.items()})) if options else None


class Channel(_Handle):
    """One party's end of a state channel (a handle of libaesc). Thread-safe, as in Rust.

    Make one with :meth:`open`, :meth:`connect`, :meth:`reestablish` or :meth:`resume`;
    :meth:`close` (or the end of a ``with`` block) closes the connection and frees the handle,
    and the channel stays at the node.
    """

    _free = "aesc_channel_free"

    def __init__(self, ptr, config):
        self._ptr = ptr
        # The policy callback must outlive the channel, whose I/O thread calls it.
        self._config = config

    @classmethod
    def _make(cls, fn, config, *args):
        ptr = ctypes.c_void_p()
        _check(fn(config._ptr, *args, ctypes.byref(ptr)))
        return cls(ptr, config)

    @classmethod
    def open(cls, config):
        """Opens a new channel and returns once it is open."""
        return cls._make(_lib().aesc_channel_open, config)

    @classmethod
    def connect(cls, config):
        """Starts opening a new channel; finish with :meth:`wait_open`."""
        return cls._make(_lib().aesc_channel_connect, config)

    @classmethod
    def reestablish(cls, config, previous):
        """Reestablishes the channel of ``previous`` (after a leave or a lost connection)."""
        return cls._make(_lib().aesc_channel_reestablish, config, previous._ptr)

    @classmethod
    def resume(cls, config):
        """Reestablishes the channel kept in the configuration's state store."""
        return cls._make(_lib().aesc_channel_resume, config)

    def _p(self):
        if not self._ptr:
            raise AescError(CLOSED, "the channel handle is closed")
        return self._ptr

    def wait_open(self):
        """Waits until the channel is open (after :meth:`connect` or :meth:`start_reconnect`)."""
        _check(_lib().aesc_channel_wait_open(self._p()))

    def reconnect(self):
        """Reconnects after a lost connection or a leave; returns when usable."""
        _check(_lib().aesc_channel_reconnect(self._p()))

    def start_reconnect(self):
        """Starts a reconnect; finish with :meth:`wait_open`."""
        _check(_lib().aesc_channel_start_reconnect(self._p()))

    @property
    def is_connected(self):
        """Whether the socket is up."""
        return bool(self._ptr) and _lib().aesc_channel_is_connected(self._ptr)

    def transfer(self, to, amount, meta=(), sender=None):
        """Transfers ``amount`` to ``to`` (from ``sender``, default this party), with ``meta``
        strings; returns the new round."""
        array, n = _strings(meta)
        round_ = ctypes.c_uint64(0)
        _check(_lib().aesc_channel_transfer_with_meta(
            self._p(), _text(sender), _text(to), _text(amount), array, n, ctypes.byref(round_)))
        return round_.value

    def send_message(self, to, info):
        """Sends a message to the other party."""
        _check(_lib().aesc_channel_send_message(self._p(), _text(to), _text(info)))

    def receive_message(self, timeout=5.0):
        """The next message of the other party as a dict, or None after ``timeout`` seconds."""
        return self._event(_lib().aesc_channel_receive_message, timeout)

    def next_event(self, timeout=1.0):
        """The next event as a dict (with a ``"type"``), or None after ``timeout`` seconds."""
        return self._event(_lib().aesc_channel_next_event, timeout)

    def _event(self, fn, timeout):
        out = ctypes.c_void_p()
        code = fn(self._p(), int(timeout * 1000), ctypes.byref(out))
        if code == TIMEOUT:
            return None
        _check(code)
        return json.loads(_take(out))

    def balances(self, accounts):
        """The node's off-chain balances of ``accounts``, as ``{account: int}``."""
        array, n = _strings(accounts)
        text = _call_str(_lib().aesc_channel_balances, self._p(), array, n)
        return {k: int(v) for k, v in json.loads(text).items()}

    def offchain_state(self):
        """The node's off-chain state: ``trees``, ``calls``, ``signed_tx``, ``half_signed_tx``."""
        return json.loads(_call_str(_lib().aesc_channel_offchain_state, self._p()))

    def view(self):
        """The client's own view: role, round, phase, balances (ints), latest state, …"""
        v = json.loads(_call_str(_lib().aesc_channel_view, self._p()))
        if v.get("balances"):
            v["balances"] = {k: int(b) for k, b in v["balances"].items()}
        return v

    def ping(self):
        """``channels.system ping``."""
        _check(_lib().aesc_channel_ping(self._p()))

    def stop(self):
        """``channels.system stop``: stops the FSM at the node."""
        _check(_lib().aesc_channel_stop(self._p()))

    def _amount_op(self, fn, amount, options):
        round_ = ctypes.c_uint64(0)
        _check(fn(self._p(), _text(amount), _options(options), ctypes.byref(round_)))
        return round_.value

    def deposit(self, amount, **options):
        """Deposits ``amount``; returns the new round once confirmed on chain. Options: fee,
        gas_price, nonce."""
        return self._amount_op(_lib().aesc_channel_deposit, amount, options)

    def withdraw(self, amount, **options):
        """Withdraws ``amount``; returns the new round once confirmed on chain."""
        return self._amount_op(_lib().aesc_channel_withdraw, amount, options)

    def shutdown(self, **options):
        """Closes the channel with the other party; returns the close transaction."""
        return _call_str(_lib().aesc_channel_shutdown, self._p(), _options(options))

    def close_solo(self, **options):
        """Starts a solo close; returns the transaction."""
        return _call_str(_lib().aesc_channel_close_solo, self._p(), _options(options))

    def settle(self, **options):
        """Settles a solo-closed channel; returns the transaction."""
        return _call_str(_lib().aesc_channel_settle, self._p(), _options(options))

    def slash(self, **options):
        """Slashes an outdated solo close; returns the transaction."""
        return _call_str(_lib().aesc_channel_slash, self._p(), _options(options))

    def snapshot(self, **options):
        """Posts the latest co-signed state on chain; returns the transaction."""
        return _call_str(_lib().aesc_channel_snapshot, self._p(), _options(options))

    def leave(self):
        """Leaves the channel; returns the last co-signed state."""
        return _call_str(_lib().aesc_channel_leave, self._p())


class NodeDouble(_Handle):
    """An in-process node double (only in a library built with the ``node-double`` feature);
    ``close()`` stops it."""

    _free = "aesc_node_double_free"

    def __init__(self, **config):
        lib = _lib()
        if not hasattr(lib, "aesc_node_double_spawn"):
            raise AescError(OTHER, "this libaesc was built without the node-double feature")
        self._ptr = ctypes.c_void_p()
        text = _text(json.dumps(config)) if config else None
        _check(lib.aesc_node_double_spawn(text, ctypes.byref(self._ptr)))
        self.url = _call_str(lib.aesc_node_double_url, self._ptr)
