//! Building the nodes of a tree from its sorted entries, without recursion: hostile inputs
//! with deeply nested keys cannot exhaust the stack.

use std::collections::BTreeMap;

use super::node::{Node, NodeRef};
use crate::hash::blake2b_256;

/// One built node: the node, its serialization and hash, and its children in the arena.
pub(super) struct BuiltNode {
    pub(super) node: Node,
    rlp: Vec<u8>,
    pub(super) hash: [u8; 32],
    /// Children by the nibble that leads to them (`None` for an extension's child).
    children: Vec<(Option<u8>, usize)>,
}

impl BuiltNode {
    fn new(node: Node, children: Vec<(Option<u8>, usize)>) -> Self {
        let rlp = node.to_rlp();
        let hash = blake2b_256(&rlp);
        BuiltNode { node, rlp, hash, children }
    }

    /// How a branch refers to this node.
    fn reference(&self) -> NodeRef {
        if self.rlp.len() < 32 {
            NodeRef::Embedded(self.rlp.clone())
        } else {
            NodeRef::Hash(self.hash)
        }
    }
}

/// All nodes of a non-empty tree.
pub(super) struct Built {
    /// Every node but the root, children before parents.
    nodes: Vec<BuiltNode>,
    root: BuiltNode,
}

/// Pending work of the builder.
enum Task {
    /// Build the subtree of `entries[lo..hi]`, whose paths share their first `depth` nibbles.
    Build { lo: usize, hi: usize, depth: usize },
    /// Wrap the last result in an extension with `path`.
    Extension { path: Vec<u8> },
    /// Make a branch of the last `nibbles.len()` results and `value`.
    Branch { nibbles: Vec<u8>, value: Vec<u8> },
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

impl Built {
    /// Builds the tree of `entries`: sorted, distinct nibble paths. `None` when empty.
    pub(super) fn new(entries: &[(Vec<u8>, &[u8])]) -> Option<Self> {
        if entries.is_empty() {
            return None;
        }
        let mut nodes: Vec<BuiltNode> = Vec::new();
        let mut results: Vec<usize> = Vec::new();
        let mut tasks = vec![Task::Build { lo: 0, hi: entries.len(), depth: 0 }];
        while let Some(task) = tasks.pop() {
            let node = match task {
                Task::Build { lo, hi, depth } => {
                    match Built::plan(entries.get(lo..hi).unwrap_or_default(), lo, depth) {
                        Plan::Leaf(node) => BuiltNode::new(node, Vec::new()),
                        Plan::Then(mut more) => {
                            tasks.append(&mut more);
                            continue;
                        }
                    }
                }
                Task::Extension { path } => {
                    let child = results.pop().unwrap_or_default();
                    let hash = nodes.get(child).map(|c| c.hash).unwrap_or_default();
                    BuiltNode::new(Node::Extension { path, child: hash }, vec![(None, child)])
                }
                Task::Branch { nibbles, value } => {
                    let first = results.len().saturating_sub(nibbles.len());
                    let kids = results.split_off(first);
                    let mut refs: [NodeRef; 16] = Default::default();
                    for (n, k) in nibbles.iter().zip(&kids) {
                        if let (Some(slot), Some(c)) =
                            (refs.get_mut(usize::from(*n)), nodes.get(*k))
                        {
                            *slot = c.reference();
                        }
                    }
                    let children = nibbles.iter().map(|n| Some(*n)).zip(kids).collect();
                    BuiltNode::new(Node::Branch { children: Box::new(refs), value }, children)
                }
            };
            results.push(nodes.len());
            nodes.push(node);
        }
        // The root is built last and is nobody's child.
        let root = nodes.pop()?;
        Some(Built { nodes, root })
    }

    /// What to do with the entries `group` (starting at index `lo`) at `depth`.
    fn plan(group: &[(Vec<u8>, &[u8])], lo: usize, depth: usize) -> Plan {
        let rest = |path: &Vec<u8>| path.get(depth..).unwrap_or_default().to_vec();
        let (first, last) = match group {
            [] => return Plan::Leaf(Node::Leaf { path: Vec::new(), value: Vec::new() }),
            [(path, value)] => {
                return Plan::Leaf(Node::Leaf { path: rest(path), value: value.to_vec() })
            }
            [(first, _), .., (last, _)] => (first, last),
        };
        let hi = lo + group.len();
        let shared = common_prefix(
            first.get(depth..).unwrap_or_default(),
            last.get(depth..).unwrap_or_default(),
        );
        if shared > 0 {
            let path = first.get(depth..depth + shared).unwrap_or_default().to_vec();
            return Plan::Then(vec![
                Task::Extension { path },
                Task::Build { lo, hi, depth: depth + shared },
            ]);
        }
        // A branch: the entry ending here (it sorts first) is its value; the others are
        // grouped by their next nibble.
        let mut start = lo;
        let mut value = Vec::new();
        if first.len() == depth {
            value = group.first().map(|(_, v)| v.to_vec()).unwrap_or_default();
            start += 1;
        }
        let mut nibbles = Vec::new();
        let mut builds = Vec::new();
        let mut at = start;
        while at < hi {
            let nibble = group.get(at - lo).and_then(|(p, _)| p.get(depth)).copied().unwrap_or(0);
            let len = group
                .get(at - lo..)
                .unwrap_or_default()
                .iter()
                .take_while(|(p, _)| p.get(depth) == Some(&nibble))
                .count()
                .max(1);
            nibbles.push(nibble);
            builds.push(Task::Build { lo: at, hi: at + len, depth: depth + 1 });
            at += len;
        }
        // Tasks run last-pushed first: the children are built in order, then the branch.
        let mut tasks = vec![Task::Branch { nibbles, value }];
        tasks.extend(builds.into_iter().rev());
        Plan::Then(tasks)
    }

    /// The root node.
    pub(super) fn root(&self) -> &BuiltNode {
        &self.root
    }

    /// Adds the nodes stored by hash on the path to `path` to `out`.
    pub(super) fn collect_path(&self, path: &[u8], out: &mut BTreeMap<[u8; 32], Node>) {
        let mut current = Some(&self.root);
        let mut by_hash = true;
        let mut rest = path;
        while let Some(b) = current {
            if by_hash {
                out.entry(b.hash).or_insert_with(|| b.node.clone());
            }
            current = None;
            match &b.node {
                Node::Leaf { .. } => {}
                Node::Extension { path: ext, .. } => {
                    if let Some(tail) = rest.strip_prefix(ext.as_slice()) {
                        rest = tail;
                        current = b.children.first().and_then(|(_, c)| self.nodes.get(*c));
                        by_hash = true;
                    }
                }
                Node::Branch { .. } => {
                    if let Some((n, tail)) = rest.split_first() {
                        rest = tail;
                        current = b
                            .children
                            .iter()
                            .find(|(k, _)| *k == Some(*n))
                            .and_then(|(_, c)| self.nodes.get(*c));
                        by_hash = current.is_some_and(|c| c.rlp.len() >= 32);
                    }
                }
            }
        }
    }
}

enum Plan {
    Leaf(Node),
    Then(Vec<Task>),
}
