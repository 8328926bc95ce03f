//! Every JSON frame and every connection URL of the recorded sessions, through the typed
//! JSON-RPC layer of the codec.
//!
//! * client → node frames decode as [`Request`]s; their params are typed by
//!   [`ClientRequest::from_request`], and whenever that rejects params the node must have
//!   answered the same request with exactly the error [`ParamsError::to_error_object`] names
//!   (and vice versa: params the node rejected as malformed must be rejected here);
//! * node → client frames decode as [`Incoming`]; notifications type as [`NodeEvent`]s with no
//!   unknown method, event or info; results type as the output of the method that asked;
//! * re-serialising is idempotent at the typed level;
//! * connection URLs parse as [`ConnectParams`] and are rebuilt byte for byte; rejected ones
//!   match the node's connection-time error.
//!
//! Recordings: `shared/seeds` and `shared/live` (found above the manifest directory), and the
//! markdown corpus under `AESC_CORPUS` (skipped with a note when unset).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use aesc_codec::jsonrpc::connect::ConnectParams;
use aesc_codec::jsonrpc::{
    decode_incoming, decode_request, ClientRequest, DataCode, ErrorCode, Id, Incoming, InfoEvent,
    Method, NodeEvent, OnChainInfo, ParamsError, Request, Response, ResponsePayload,
};
use serde_json::Value;

/// One recorded item, in file order.
#[derive(Debug, Clone)]
enum Item {
    /// A JSON frame: who, and whether it went to the node.
    Frame { party: String, to_node: bool, text: String, line: usize },
    /// A connection URL.
    Url { party: String, url: String, line: usize },
}

/// Reads the items of a recording (markdown corpus or plain-text seed).
fn items(text: &str) -> Vec<Item> {
    let mut out = Vec::new();
    let mut pending: Option<(String, bool)> = None;
    let mut url_party: Option<String> = None;
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let head = line.trim_start_matches('#').trim();
        let party = || head.split_whitespace().next().unwrap_or_default().to_owned();
        if head.contains("<--- node") {
            pending = Some((party(), false));
        } else if head.contains("---> node") {
            pending = Some((party(), true));
        } else if head.contains("opens a WebSocket connection") {
            url_party = Some(party());
        } else if line.starts_with("ws://") {
            if let Some(party) = url_party.take() {
                out.push(Item::Url { party, url: line.trim().to_owned(), line: n + 1 });
            }
        } else if line == "{" {
            if let Some((party, to_node)) = pending.take() {
                let mut body = vec![line];
                for (_, l) in lines.by_ref() {
                    body.push(l);
                    if l == "}" {
                        break;
                    }
                }
                out.push(Item::Frame { party, to_node, text: body.join("\n"), line: n + 1 });
            }
        }
    }
    out
}

fn ancestor_with(dir: &Path, rel: &str) -> Option<PathBuf> {
    dir.ancestors().map(|a| a.join(rel)).find(|p| p.is_dir())
}

fn files_in(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_in(&p, ext, out);
        } else if p.extension().and_then(|e| e.to_str()) == Some(ext) {
            out.push(p);
        }
    }
}

fn recordings() -> Vec<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for sub in ["shared/seeds", "shared/live"] {
        match ancestor_with(manifest, sub) {
            Some(dir) => files_in(&dir, "txt", &mut files),
            None => println!("note: no {sub} directory above {}", manifest.display()),
        }
    }
    match std::env::var_os("AESC_CORPUS") {
        Some(dir) => files_in(Path::new(&dir), "md", &mut files),
        None => println!("note: AESC_CORPUS is not set; the markdown corpus is skipped"),
    }
    files
}

/// Detail codes that report malformed params (as opposed to state-dependent refusals).
fn is_params_fault(code: DataCode) -> bool {
    use DataCode as D;
    matches!(
        code,
        D::NegativeAmount
            | D::BrokenAccountPubkey
            | D::BrokenContractPubkey
            | D::BrokenContractBytearray
            | D::BrokenTransaction
            | D::NotANumber
            | D::InvalidMetaObject
    )
}

fn signature(r: &Response) -> Option<(ErrorCode, Vec<DataCode>)> {
    r.error_object().map(|e| (e.code, e.data_codes().collect()))
}

/// Types a result with the output type of the method that asked for it.
fn check_output(req: &ClientRequest, result: &Value) -> Result<(), String> {
    use ClientRequest as C;
    let r = match req {
        C::GetBalances(_) => {
            <aesc_codec::jsonrpc::GetBalances as Method>::parse_output(result).map(drop)
        }
        C::GetOffchainState(_) => {
            <aesc_codec::jsonrpc::GetOffchainState as Method>::parse_output(result).map(drop)
        }
        C::GetContract(_) => {
            <aesc_codec::jsonrpc::GetContract as Method>::parse_output(result).map(drop)
        }
        C::GetContractCall(_) => {
            <aesc_codec::jsonrpc::GetContractCall as Method>::parse_output(result).map(drop)
        }
        C::DryRunCallContract(_) => {
            <aesc_codec::jsonrpc::DryRunCallContract as Method>::parse_output(result).map(drop)
        }
        C::GetPoi(_) => <aesc_codec::jsonrpc::GetPoi as Method>::parse_output(result).map(drop),
        C::CleanContractCalls(_) => {
            <aesc_codec::jsonrpc::CleanContractCalls as Method>::parse_output(result).map(drop)
        }
        C::HistoryFetch(_) => {
            <aesc_codec::jsonrpc::HistoryFetch as Method>::parse_output(result).map(drop)
        }
        C::System(_) => <aesc_codec::jsonrpc::System as Method>::parse_output(result).map(drop),
        _ => aesc_codec::jsonrpc::OkReply::parse(result).map(drop),
    };
    r.map_err(|e| format!("{}: {e}", req.method()))
}

#[derive(Default)]
struct Tally {
    files: usize,
    requests: usize,
    typed_requests: usize,
    rejected_requests: usize,
    responses: usize,
    typed_results: usize,
    errors: usize,
    notifications: usize,
    events: BTreeMap<String, usize>,
    urls: usize,
    rejected_urls: usize,
    failures: Vec<String>,
}

impl Tally {
    fn fail(&mut self, file: &Path, line: usize, msg: String) {
        self.failures.push(format!("{}:{line}: {msg}", file.display()));
    }
}

fn event_key(e: &NodeEvent) -> String {
    match e {
        NodeEvent::Info(i) => format!("info:{}", i.event),
        NodeEvent::OnChainTx(t) => format!("on_chain_tx:{}", t.info),
        NodeEvent::SignRequest(s) => format!("sign:{}", s.tag),
        NodeEvent::MethodReply(r) => format!("reply:{}", r.method),
        other => other.method(),
    }
}

fn is_unknown(e: &NodeEvent) -> bool {
    match e {
        NodeEvent::Unknown { .. } => true,
        NodeEvent::Info(i) => matches!(i.event, InfoEvent::Unknown(_)),
        NodeEvent::OnChainTx(t) => matches!(t.info, OnChainInfo::Unknown(_)),
        _ => false,
    }
}

/// JSON text with object members sorted, so equal values give equal keys.
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut members: Vec<(&String, &Value)> = m.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = members
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::from(k.as_str()), canonical(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => {
            format!("[{}]", items.iter().map(canonical).collect::<Vec<_>>().join(","))
        }
        other => other.to_string(),
    }
}

/// Error responses of a file by the request they echo: canonical request → (item index, reply).
type Answers = HashMap<String, Vec<(usize, Response)>>;

fn answers(items: &[Item]) -> Answers {
    let mut out: Answers = HashMap::new();
    for (at, it) in items.iter().enumerate() {
        if let Item::Frame { to_node: false, text, .. } = it {
            if let Ok(Incoming::Response(r)) = decode_incoming(text) {
                if let Some(req) = r.error_object().and_then(|e| e.request.as_ref()) {
                    out.entry(canonical(req)).or_default().push((at, r.clone()));
                }
            }
        }
    }
    out
}

fn check_request(
    t: &mut Tally,
    file: &Path,
    answers: &Answers,
    at: usize,
    text: &str,
    line: usize,
) {
    t.requests += 1;
    let req = match decode_request(text) {
        Ok(r) => r,
        Err(e) => return t.fail(file, line, format!("request does not decode: {e}")),
    };
    // The node's error answer to exactly this request, if any.
    let answer = answers
        .get(&canonical(&req.to_value()))
        .and_then(|list| list.iter().find(|(i, _)| *i > at))
        .map(|(_, r)| r);
    match ClientRequest::from_request(&req) {
        Ok(typed) => {
            t.typed_requests += 1;
            let again = decode_request(&typed.to_frame(req.id.clone()))
                .map_err(|e| e.to_string())
                .and_then(|r| ClientRequest::from_request(&r).map_err(|e| e.to_string()));
            if again.as_ref() != Ok(&typed) {
                t.fail(file, line, format!("request is not idempotent: {again:?}"));
            }
            if let Some((code, data)) = answer.and_then(signature) {
                let params_fault = data.iter().any(|d| is_params_fault(*d))
                    || matches!(code, ErrorCode::MethodNotFound | ErrorCode::InvalidRequest);
                if params_fault {
                    t.fail(
                        file,
                        line,
                        format!("node rejected params accepted here: {code:?} {data:?}"),
                    );
                }
            }
        }
        Err(e) => {
            t.rejected_requests += 1;
            let expected =
                e.to_error_object().map(|o| (o.code, o.data_codes().collect::<Vec<_>>()));
            let found = answer.and_then(signature);
            if expected != found {
                t.fail(
                    file,
                    line,
                    format!("{e}: expected node answer {expected:?}, recorded {found:?}"),
                );
            }
        }
    }
}

fn check_incoming(
    t: &mut Tally,
    file: &Path,
    text: &str,
    line: usize,
    asked: &HashMap<Id, ClientRequest>,
) {
    let incoming = match decode_incoming(text) {
        Ok(i) => i,
        Err(e) => return t.fail(file, line, format!("frame does not decode: {e}")),
    };
    match decode_incoming(&incoming.to_frame()) {
        Ok(again) if again == incoming => {}
        other => t.fail(file, line, format!("frame is not idempotent: {other:?}")),
    }
    match &incoming {
        Incoming::Notification(n) => {
            t.notifications += 1;
            let event = match n.event() {
                Ok(e) => e,
                Err(e) => return t.fail(file, line, format!("notification does not type: {e}")),
            };
            *t.events.entry(event_key(&event)).or_default() += 1;
            if is_unknown(&event) {
                t.fail(file, line, format!("unknown notification {}", event_key(&event)));
            }
            if event.to_notification(n.channel_id).event().as_ref() != Ok(&event) {
                t.fail(file, line, "rebuilt notification differs".into());
            }
            if let NodeEvent::MethodReply(r) = &event {
                let typed = match r.method.as_str() {
                    "channels.get.poi" => r.poi().map(drop),
                    _ => r.contract_call().map(drop),
                };
                if let Err(e) = typed {
                    t.fail(file, line, format!("{} reply does not type: {e}", r.method));
                }
            }
        }
        Incoming::Response(r) => {
            t.responses += 1;
            match &r.payload {
                ResponsePayload::Error(e) => {
                    t.errors += 1;
                    if !e.code.is_known() || e.data.iter().any(|d| !d.code.is_known()) {
                        t.fail(file, line, format!("unknown error code in {e}"));
                    }
                    if e.data.iter().any(|d| Some(d.message.as_str()) != d.code.message()) {
                        t.fail(file, line, format!("unexpected message in {e}"));
                    }
                }
                ResponsePayload::Success(result) => match asked.get(&r.id) {
                    Some(req) => match check_output(req, result) {
                        Ok(()) => t.typed_results += 1,
                        Err(e) => t.fail(file, line, format!("result does not type: {e}")),
                    },
                    None => t.fail(file, line, format!("result for unknown id {}", r.id)),
                },
            }
        }
        Incoming::Batch(rs) => t.responses += rs.len(),
    }
}

fn check_url(
    t: &mut Tally,
    file: &Path,
    items: &[Item],
    at: usize,
    party: &str,
    url: &str,
    line: usize,
) {
    t.urls += 1;
    let Some(query) = url.split_once('?').map(|(_, q)| q) else {
        return t.fail(file, line, "URL without query".into());
    };
    // The first node frame this party receives after connecting.
    let first = items.iter().skip(at + 1).find_map(|it| match it {
        Item::Frame { party: p, to_node: false, text, .. } if p == party => Some(text.clone()),
        _ => None,
    });
    let connection_error = first.and_then(|text| match decode_incoming(&text) {
        Ok(Incoming::Response(r)) if r.id == Id::Null && r.channel_id.is_none() => signature(&r),
        _ => None,
    });
    match ConnectParams::from_query(query) {
        Ok(p) => {
            if p.to_query() != query {
                t.fail(file, line, format!("query not rebuilt byte for byte:\n  {}", p.to_query()));
            }
            // A well-formed fsm id may still not match (1016); a missing one cannot pass here.
            if let Some((_, data)) = connection_error {
                if data.contains(&DataCode::MissingFsmId) {
                    t.fail(file, line, format!("node rejected a query accepted here: {data:?}"));
                }
            }
        }
        Err(e) => {
            t.rejected_urls += 1;
            let expected =
                e.to_error_object().map(|o| (o.code, o.data_codes().collect::<Vec<_>>()));
            if expected != connection_error {
                t.fail(
                    file,
                    line,
                    format!("{e}: expected {expected:?}, recorded {connection_error:?}"),
                );
            }
        }
    }
}

fn check_file(t: &mut Tally, file: &Path) {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => return t.fail(file, 0, format!("unreadable: {e}")),
    };
    let text = String::from_utf8_lossy(&bytes);
    let items = items(&text);
    let answers = answers(&items);
    t.files += 1;
    // Requests by id, per party, to type the results that answer them.
    let mut asked: HashMap<String, HashMap<Id, ClientRequest>> = HashMap::new();
    for (at, item) in items.iter().enumerate() {
        match item {
            Item::Frame { party, to_node: true, text, line } => {
                check_request(t, file, &answers, at, text, *line);
                if let Ok(req) = decode_request(text) {
                    if let (Some(id), Ok(typed)) =
                        (req.id.clone(), ClientRequest::from_request(&req))
                    {
                        asked.entry(party.clone()).or_default().insert(id, typed);
                    }
                }
            }
            Item::Frame { party, to_node: false, text, line } => {
                let empty = HashMap::new();
                check_incoming(t, file, text, *line, asked.get(party).unwrap_or(&empty));
            }
            Item::Url { party, url, line } => check_url(t, file, &items, at, party, url, *line),
        }
    }
}

#[test]
fn recorded_frames_type_and_round_trip() {
    let files = recordings();
    if files.is_empty() {
        println!("note: no recordings found; nothing checked");
        return;
    }
    let mut t = Tally::default();
    for f in &files {
        check_file(&mut t, f);
    }
    println!(
        "{} files: {} client frames ({} typed, {} rejected as the node did), {} responses \
         ({} errors, {} typed results), {} notifications, {} URLs ({} rejected as the node did)",
        t.files,
        t.requests,
        t.typed_requests,
        t.rejected_requests,
        t.responses,
        t.errors,
        t.typed_results,
        t.notifications,
        t.urls,
        t.rejected_urls
    );
    for (k, n) in &t.events {
        println!("  {n:6} {k}");
    }
    for f in t.failures.iter().take(40) {
        println!("FAIL {f}");
    }
    assert!(t.failures.is_empty(), "{} failures", t.failures.len());
    assert!(t.requests > 0 && t.notifications > 0 && t.urls > 0);
}

#[test]
fn reader_finds_frames_and_urls() {
    let md = "#### initiator opens a WebSocket connection\n```\nws://h:1/channel?a=b\n```\n\n\
              #### initiator <--- node\n```javascript\n{\n  \"x\": 1\n}\n```\n\
              #### initiator info\n> {\n{\n}\n";
    let items = items(md);
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(matches!(&items[0], Item::Url { party, .. } if party == "initiator"));
    assert!(
        matches!(&items[1], Item::Frame { to_node: false, text, .. } if text == "{\n  \"x\": 1\n}")
    );
}

#[test]
fn a_request_and_its_rejection_pair_up() {
    let req: Request = decode_request(
        r#"{"jsonrpc":"2.0","method":"channels.update.new","params":{"amount":"1","from":"ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C","to":"ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt"}}"#,
    )
    .unwrap();
    let e = ClientRequest::from_request(&req).unwrap_err();
    assert_eq!(e, ParamsError::NotANumber { field: "amount" });
    let reply = Response::error_for(&req, None, e.to_error_object().unwrap());
    let Ok(Incoming::Response(back)) = decode_incoming(&reply.to_frame()) else { panic!() };
    assert_eq!(back.error_object().unwrap().request.as_ref(), Some(&req.to_value()));
    assert_eq!(signature(&back), Some((ErrorCode::Rejected, vec![DataCode::NotANumber])));
}
