//! RFC 6962 / RFC 9162 Merkle tree hashing for the append-only log: tree heads,
//! inclusion and consistency proof generation, and their verification.
//!
//! Hashing follows RFC 6962 §2.1 with SHA-256 and domain separation between
//! leaves (`0x00` prefix) and interior nodes (`0x01` prefix), so a leaf can never
//! be passed off as an interior node or the other way round. Proof generation
//! follows the recursive PATH and PROOF definitions of RFC 6962 §2.1.1/§2.1.2;
//! verification follows the iterative algorithms of RFC 9162 §2.1.3.2 and
//! §2.1.4.2, and is checked against the transparency-dev/merkle test vectors.
//!
//! Every function here works on leaf *hashes* (see [`leaf_hash`]), not on raw
//! entries, so callers can keep only the 32-byte hashes of a large log in memory.

use ring::digest;
use std::fmt;

/// A SHA-256 digest: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];

/// Domain-separation prefix of leaf hashes (RFC 6962 §2.1).
const LEAF_PREFIX: u8 = 0x00;
/// Domain-separation prefix of interior node hashes (RFC 6962 §2.1).
const NODE_PREFIX: u8 = 0x01;

/// Why a proof could not be produced or did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofError {
    /// The leaf index is not smaller than the tree size.
    IndexOutOfRange {
        /// The requested leaf index.
        index: u64,
        /// The size of the tree the index was checked against.
        size: u64,
    },
    /// A consistency proof was asked for between a larger old tree and a
    /// smaller new one; a log never shrinks.
    SizeDecrease {
        /// The size of the older tree.
        old_size: u64,
        /// The size of the newer tree.
        new_size: u64,
    },
    /// A consistency proof from the empty tree was asked for. Every tree
    /// extends the empty tree, so such a proof proves nothing: RFC 6962/9162
    /// define consistency proofs only for an old size above 0, and the
    /// reference implementation and test vectors refuse it.
    EmptyOldTree,
    /// The proof does not have the number of hashes that the tree shape
    /// requires.
    WrongProofLength {
        /// Number of hashes supplied.
        got: usize,
        /// Number of hashes the tree shape requires.
        want: usize,
    },
    /// The consistency proof does not reproduce the old tree's root hash.
    OldRootMismatch,
    /// The proof does not reproduce the expected (new) root hash.
    RootMismatch,
}

impl fmt::Display for ProofError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProofError::IndexOutOfRange { index, size } => write!(
                f,
                "leaf index {index} is out of range for a tree of size {size}"
            ),
            ProofError::SizeDecrease { old_size, new_size } => write!(
                f,
                "the new tree size {new_size} is smaller than the old tree size {old_size}"
            ),
            ProofError::EmptyOldTree => {
                write!(f, "a consistency proof from the empty tree proves nothing")
            }
            ProofError::WrongProofLength { got, want } => write!(
                f,
                "the proof has {got} hashes but this tree shape requires {want}"
            ),
            ProofError::OldRootMismatch => write!(
                f,
                "the consistency proof does not match the old tree's root hash"
            ),
            ProofError::RootMismatch => {
                write!(f, "the proof does not lead to the expected root hash")
            }
        }
    }
}

impl std::error::Error for ProofError {}

/// SHA-256 over the concatenation of `parts`.
fn sha256(parts: &[&[u8]]) -> Hash {
    let mut ctx = digest::Context::new(&digest::SHA256);
    for part in parts {
        ctx.update(part);
    }
    let digest = ctx.finish();
    let mut out = [0u8; 32];
    // A SHA-256 digest is always 32 bytes long, so this copy cannot panic.
    out.copy_from_slice(digest.as_ref());
    out
}

/// Hash of a log entry as a tree leaf: `SHA-256(0x00 || entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    sha256(&[&[LEAF_PREFIX], entry])
}

/// Hash of an interior node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    // Hash one contiguous buffer rather than three pieces: interior nodes
    // dominate the hashing cost of roots and proofs.
    let mut buf = [0u8; 65];
    buf[0] = NODE_PREFIX;
    buf[1..33].copy_from_slice(left);
    buf[33..].copy_from_slice(right);
    sha256(&[&buf])
}

/// Root hash of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1).
pub fn empty_root() -> Hash {
    sha256(&[])
}

/// Merkle Tree Hash (RFC 6962 §2.1) of the tree whose leaves have the given
/// hashes, in log order. The empty tree has [`empty_root`].
///
/// Runs in O(n) hashes.
pub fn root(leaves: &[Hash]) -> Hash {
    if leaves.is_empty() {
        empty_root()
    } else {
        subtree_root(leaves)
    }
}

/// Largest power of two strictly smaller than `n`: the split point `k` of
/// RFC 6962 §2.1. Callers guarantee `n >= 2`, so `n - 1 >= 1` has at most 63
/// leading zeros and the shift stays in range.
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2, "split_point needs at least two leaves");
    1u64 << (63 - (n - 1).leading_zeros())
}

/// Length of a slice as `u64`; lossless on every platform Rust supports
/// (`usize` is at most 64 bits wide).
fn len_u64(leaves: &[Hash]) -> u64 {
    leaves.len() as u64
}

/// Splits `leaves` at `k`, where `k <= leaves.len()` comes from
/// [`split_point`] or a checked index, so the `u64 -> usize` conversion is
/// lossless.
fn split_at(leaves: &[Hash], k: u64) -> (&[Hash], &[Hash]) {
    leaves.split_at(k as usize)
}

/// MTH of a non-empty run of leaves. Recursion depth is at most 64 and every
/// leaf is hashed into exactly one parent per level, so the cost is O(n).
fn subtree_root(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => empty_root(),
        [only] => *only,
        _ => {
            let (left, right) = split_at(leaves, split_point(len_u64(leaves)));
            node_hash(&subtree_root(left), &subtree_root(right))
        }
    }
}

/// Inclusion proof (audit path, RFC 6962 §2.1.1 `PATH(m, D[n])`) for the leaf
/// at `index` in the tree made of all of `leaves`. Hashes are ordered from the
/// leaf's sibling upwards, as [`verify_inclusion`] expects.
///
/// Costs O(n) hashes: the sibling subtrees along the path are disjoint.
pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Result<Vec<Hash>, ProofError> {
    let size = len_u64(leaves);
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    // Walk down from the root, collecting the sibling of each subtree holding
    // the leaf; the recursion of RFC 6962 appends siblings on the way back up,
    // so the list is reversed at the end.
    let mut path = Vec::new();
    let mut subtree = leaves;
    let mut m = index;
    while subtree.len() > 1 {
        let k = split_point(len_u64(subtree));
        let (left, right) = split_at(subtree, k);
        if m < k {
            path.push(subtree_root(right));
            subtree = left;
        } else {
            path.push(subtree_root(left));
            subtree = right;
            m -= k;
        }
    }
    path.reverse();
    Ok(path)
}

/// Consistency proof (RFC 6962 §2.1.2 `PROOF(m, D[n])`) that the tree of the
/// first `old_size` leaves is a prefix of the tree made of all of `leaves`.
///
/// `old_size == leaves.len()` gives the empty proof. `old_size == 0` is
/// refused ([`ProofError::EmptyOldTree`]) because the verifier refuses it too.
/// Costs O(n) hashes.
pub fn consistency_proof(leaves: &[Hash], old_size: u64) -> Result<Vec<Hash>, ProofError> {
    let new_size = len_u64(leaves);
    if old_size > new_size {
        return Err(ProofError::SizeDecrease { old_size, new_size });
    }
    if old_size == 0 {
        return Err(ProofError::EmptyOldTree);
    }
    // Iterative SUBPROOF(m, D[n], b): `complete` is b, true while the old tree
    // is still a left-aligned prefix of the current subtree, in which case its
    // root is already known to the verifier and is left out of the proof.
    let mut path = Vec::new();
    let mut subtree = leaves;
    let mut m = old_size;
    let mut complete = true;
    loop {
        if m == len_u64(subtree) {
            if !complete {
                path.push(subtree_root(subtree));
            }
            break;
        }
        // Here 1 <= m < subtree.len(), so the subtree has at least 2 leaves.
        let k = split_point(len_u64(subtree));
        let (left, right) = split_at(subtree, k);
        if m <= k {
            path.push(subtree_root(right));
            subtree = left;
        } else {
            path.push(subtree_root(left));
            subtree = right;
            m -= k;
            complete = false;
        }
    }
    path.reverse();
    Ok(path)
}

/// Number of hashes in `PATH(index, D[size])`, derived from the RFC 6962
/// recursion on sizes alone (O(log size), no hashing). Requires
/// `index < size`.
fn inclusion_proof_len(index: u64, size: u64) -> usize {
    let (mut m, mut n, mut len) = (index, size, 0usize);
    while n > 1 {
        let k = split_point(n);
        if m < k {
            n = k;
        } else {
            m -= k;
            n -= k;
        }
        len += 1;
    }
    len
}

/// Number of hashes in `PROOF(old_size, D[new_size])`, derived from the RFC
/// 6962 recursion on sizes alone. Requires `0 < old_size <= new_size`.
fn consistency_proof_len(old_size: u64, new_size: u64) -> usize {
    let (mut m, mut n, mut len, mut complete) = (old_size, new_size, 0usize, true);
    while m < n {
        let k = split_point(n);
        if m <= k {
            n = k;
        } else {
            m -= k;
            n -= k;
            complete = false;
        }
        len += 1;
    }
    if !complete {
        len += 1;
    }
    len
}

/// Verifies that `leaf` (a [`leaf_hash`]) is at `index` in the tree of `size`
/// leaves whose root is `root`, following RFC 9162 §2.1.3.2.
///
/// The proof length is checked against the tree shape first, so that a
/// malformed proof is reported as such rather than as a root mismatch.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let want = inclusion_proof_len(index, size);
    if proof.len() != want {
        return Err(ProofError::WrongProofLength {
            got: proof.len(),
            want,
        });
    }

    // RFC 9162 §2.1.3.2 steps 2-5. `f` tracks the node's index on its level,
    // `s` the index of the last node on that level.
    let mut f = index;
    let mut s = size - 1;
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            // Unreachable after the length check; kept so that the loop is the
            // RFC algorithm verbatim and fails closed on its own.
            return Err(ProofError::WrongProofLength {
                got: proof.len(),
                want,
            });
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            // On the right border a node without a right sibling is promoted
            // unchanged; skip the levels where that happens.
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongProofLength {
            got: proof.len(),
            want,
        });
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies that the tree of `size1` leaves with root `root1` is a prefix of
/// the tree of `size2` leaves with root `root2`, following RFC 9162 §2.1.4.2.
///
/// Edge cases, as in RFC 9162 and the reference test vectors:
/// * `size1 > size2` fails ([`ProofError::SizeDecrease`]);
/// * `size1 == 0` fails ([`ProofError::EmptyOldTree`]), even with
///   `size2 == 0`: such a proof says nothing;
/// * `size1 == size2` needs an empty proof and `root1 == root2`.
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    proof: &[Hash],
    root1: &Hash,
    root2: &Hash,
) -> Result<(), ProofError> {
    if size1 > size2 {
        return Err(ProofError::SizeDecrease {
            old_size: size1,
            new_size: size2,
        });
    }
    if size1 == 0 {
        return Err(ProofError::EmptyOldTree);
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(ProofError::WrongProofLength {
                got: proof.len(),
                want: 0,
            });
        }
        if root1 != root2 {
            return Err(ProofError::RootMismatch);
        }
        return Ok(());
    }

    let want = consistency_proof_len(size1, size2);
    let wrong_length = ProofError::WrongProofLength {
        got: proof.len(),
        want,
    };
    if proof.len() != want {
        return Err(wrong_length);
    }

    // Step 2: when the old tree is a complete subtree its root is the first
    // node of the path, but it is left out of the proof; prepend `root1`.
    let (seed, rest) = if size1.is_power_of_two() {
        (root1, proof)
    } else {
        // Step 1 (an empty proof fails) is covered by the length check, since
        // `want >= 1` whenever size1 < size2.
        match proof.split_first() {
            Some((first, rest)) => (first, rest),
            None => return Err(wrong_length),
        }
    };

    // Steps 3-4.
    let mut f = size1 - 1;
    let mut s = size2 - 1;
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    // Steps 5-6: `fr` rebuilds the old root, `sr` the new one, from the same
    // path.
    let mut fr = *seed;
    let mut sr = *seed;
    for c in rest {
        if s == 0 {
            // Unreachable after the length check; see verify_inclusion.
            return Err(wrong_length);
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    // Step 7.
    if s != 0 {
        return Err(wrong_length);
    }
    if fr != *root1 {
        return Err(ProofError::OldRootMismatch);
    }
    if sr != *root2 {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Roots of every prefix of a growing log, one leaf at a time, in O(log n) each:
/// the stack of perfect subtrees (the "compact range" of RFC 9162 implementations).
#[derive(Clone, Debug, Default)]
pub struct RootBuilder {
    /// (leaf count, hash) of each perfect subtree, largest first.
    stack: Vec<(u64, Hash)>,
    size: u64,
}

impl RootBuilder {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Append one leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut node = (1u64, leaf);
        while let Some(&(count, hash)) = self.stack.last() {
            if count != node.0 {
                break;
            }
            self.stack.pop();
            node = (count * 2, node_hash(&hash, &node.1));
        }
        self.stack.push(node);
        self.size += 1;
    }

    /// Leaves appended so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The Merkle Tree Hash of the leaves so far.
    pub fn root(&self) -> Hash {
        let mut iter = self.stack.iter().rev();
        let Some(&(_, last)) = iter.next() else {
            return empty_root();
        };
        iter.fold(last, |acc, (_, left)| node_hash(left, &acc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::{engine::general_purpose::STANDARD, Engine as _};
    use proptest::prelude::*;
    use serde::Deserialize;
    use std::io::Write as _;
    use std::path::{Path, PathBuf};

    /// Folder of the transparency-dev/merkle vectors, shared with the main crate.
    const VECTORS: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/merkle"
    );

    /// Leaf inputs of upstream `testonly/constants.go` (listed in SOURCE.md).
    const LEAF_INPUTS_HEX: [&str; 8] = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ];

    /// Root hashes by tree size 0..=8 over those leaves (SOURCE.md).
    const ROOTS_HEX: [&str; 9] = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    fn hex(s: &str) -> Vec<u8> {
        assert!(s.len().is_multiple_of(2), "odd hex length");
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn hash_hex(s: &str) -> Hash {
        hex(s).try_into().unwrap()
    }

    fn reference_leaves() -> Vec<Hash> {
        LEAF_INPUTS_HEX.iter().map(|h| leaf_hash(&hex(h))).collect()
    }

    fn reference_roots() -> Vec<Hash> {
        ROOTS_HEX.iter().map(|h| hash_hex(h)).collect()
    }

    /// Leaves `0..n` of a synthetic log.
    fn synthetic_leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    /// A vector's hash if it is 32 bytes long. The vectors also hold values
    /// of other lengths (empty, "WrongLeaf", "don't care 1").
    fn exact_hash(b64: &str) -> Option<Hash> {
        <[u8; 32]>::try_from(STANDARD.decode(b64).unwrap()).ok()
    }

    /// A vector's root or proof hash. The Go verifier compares roots as byte
    /// strings of any length; a [`Hash`] cannot hold a wrong-length value, so
    /// it is replaced by a stand-in that keeps what matters: equal inputs give
    /// equal stand-ins (the "sizes are equal and roots are equal" cases), and a
    /// stand-in differs from every hash a real tree or proof produces.
    fn vector_hash(b64: &str) -> Hash {
        exact_hash(b64).unwrap_or_else(|| {
            let bytes = STANDARD.decode(b64).unwrap();
            sha256(&[b"not a 32-byte hash: ", &bytes])
        })
    }

    fn vector_proof(proof: &Option<Vec<String>>) -> Vec<Hash> {
        proof.iter().flatten().map(|h| vector_hash(h)).collect()
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct InclusionVector {
        leaf_idx: u64,
        tree_size: u64,
        root: String,
        leaf_hash: String,
        proof: Option<Vec<String>>,
        desc: String,
        want_err: bool,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct ConsistencyVector {
        size1: u64,
        size2: u64,
        root1: String,
        root2: String,
        proof: Option<Vec<String>>,
        desc: String,
        want_err: bool,
    }

    /// A vector of `subtreeinclusion/`: the leaf at `leafIdx` is in the subtree
    /// `[start, end)` whose hash is `root`.
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct SubtreeInclusionVector {
        leaf_idx: u64,
        start: u64,
        end: u64,
        root: String,
        leaf_hash: String,
        proof: Option<Vec<String>>,
        desc: String,
        want_err: bool,
    }

    /// A vector of `subtreeconsistency/`: the subtree `[start, end)` with hash
    /// `root1` is part of the tree of `size` leaves with root `root2`.
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct SubtreeConsistencyVector {
        start: u64,
        end: u64,
        size: u64,
        root1: String,
        root2: String,
        proof: Option<Vec<String>>,
        desc: String,
        want_err: bool,
    }

    /// The vector folders, and how many files each holds in the pinned copy
    /// (SOURCE.md names the upstream commit). A lost or added file fails the
    /// test of its folder, so no vector can drop out of use unnoticed.
    const VECTOR_FOLDERS: [(&str, usize); 4] = [
        ("consistency", 98),
        ("inclusion", 98),
        ("subtreeconsistency", 118),
        ("subtreeinclusion", 204),
    ];

    /// The vector folder `sub`. The vectors are required: a missing folder
    /// fails the test (on every machine, not only under CI), naming the path.
    fn vector_dir(sub: &str) -> PathBuf {
        let dir = Path::new(VECTORS).join(sub);
        assert!(
            dir.is_dir(),
            "the Merkle test vectors are missing: no folder {} (the transparency-dev/merkle \
             vectors must be at ../shared/testdata/merkle beside the repository; see SOURCE.md \
             there)",
            dir.display()
        );
        dir
    }

    /// Every file under the vector folder `sub`, recursively, in a stable
    /// order. Each must be a `.json` vector, and their number must be the one
    /// pinned in [`VECTOR_FOLDERS`].
    fn vector_files(sub: &str) -> Vec<PathBuf> {
        let dir = vector_dir(sub);
        let mut out = Vec::new();
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            let entries = std::fs::read_dir(&d)
                .unwrap_or_else(|e| panic!("cannot list {}: {e}", d.display()));
            for entry in entries {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    assert!(
                        path.extension().is_some_and(|e| e == "json"),
                        "{} is not a JSON vector; every file in {} must be one",
                        path.display(),
                        dir.display()
                    );
                    out.push(path);
                }
            }
        }
        out.sort();
        let want = VECTOR_FOLDERS
            .iter()
            .find(|(name, _)| *name == sub)
            .map(|(_, n)| *n)
            .unwrap_or_else(|| panic!("no pinned count for vector folder {sub}"));
        assert_eq!(
            out.len(),
            want,
            "{} holds {} vector files, the pinned copy {want}",
            dir.display(),
            out.len()
        );
        out
    }

    /// Reads and parses one vector file.
    fn read_vector<T: for<'de> Deserialize<'de>>(path: &Path) -> T {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn reference_roots_match() {
        let leaves = reference_leaves();
        for (size, want) in reference_roots().iter().enumerate() {
            assert_eq!(root(&leaves[..size]), *want, "root of size {size}");
        }
        assert_eq!(empty_root(), reference_roots()[0]);
    }

    /// The vector folder holds exactly the four kinds of vectors used below,
    /// so that a new kind cannot sit there unused.
    #[test]
    fn vector_folders_are_all_used() {
        let root = Path::new(VECTORS);
        assert!(
            root.is_dir(),
            "the Merkle test vectors are missing: no folder {} (see SOURCE.md in the \
             transparency-dev/merkle vectors)",
            root.display()
        );
        let mut found: Vec<String> = std::fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        found.sort();
        let want: Vec<&str> = VECTOR_FOLDERS.iter().map(|(name, _)| *name).collect();
        assert_eq!(found, want, "vector folders in {}", root.display());
    }

    #[test]
    fn inclusion_vectors() {
        let files = vector_files("inclusion");
        let leaves = reference_leaves();
        let roots = reference_roots();
        let (mut ran, mut regenerated, mut untyped) = (0, 0, 0);
        for path in &files {
            let v: InclusionVector = read_vector(path);
            let Some(leaf) = exact_hash(&v.leaf_hash) else {
                // The Go verifier rejects a leaf hash of the wrong length
                // before anything else; here the `&Hash` parameter makes such
                // a call impossible to write, so the case must expect an error.
                assert!(v.want_err, "{}: wrong-length leaf accepted", path.display());
                untyped += 1;
                ran += 1;
                continue;
            };
            let proof = vector_proof(&v.proof);
            let root_hash = vector_hash(&v.root);
            let got = verify_inclusion(&leaf, v.leaf_idx, v.tree_size, &proof, &root_hash);
            assert_eq!(
                got.is_err(),
                v.want_err,
                "{} ({}): got {got:?}",
                path.display(),
                v.desc
            );
            // A valid proof over the reference tree must also be exactly the
            // one our generator produces.
            if !v.want_err
                && v.tree_size <= 8
                && root_hash == roots[v.tree_size as usize]
                && leaf == leaves[v.leaf_idx as usize]
            {
                let ours = inclusion_proof(&leaves[..v.tree_size as usize], v.leaf_idx).unwrap();
                assert_eq!(ours, proof, "{}: generated proof differs", path.display());
                regenerated += 1;
            }
            ran += 1;
        }
        let _ = writeln!(
            std::io::stderr(),
            "inclusion vectors: {ran} of {} files checked ({untyped} with a wrong-length \
             leaf hash), {regenerated} proofs regenerated",
            files.len()
        );
        assert_eq!(ran, files.len(), "inclusion vectors checked");
        assert!(regenerated >= 4, "only {regenerated} proofs regenerated");
    }

    #[test]
    fn consistency_vectors() {
        let files = vector_files("consistency");
        let leaves = reference_leaves();
        let roots = reference_roots();
        let (mut ran, mut regenerated) = (0, 0);
        for path in &files {
            let v: ConsistencyVector = read_vector(path);
            let proof = vector_proof(&v.proof);
            let (root1, root2) = (vector_hash(&v.root1), vector_hash(&v.root2));
            let got = verify_consistency(v.size1, v.size2, &proof, &root1, &root2);
            assert_eq!(
                got.is_err(),
                v.want_err,
                "{} ({}): got {got:?}",
                path.display(),
                v.desc
            );
            if !v.want_err
                && v.size2 <= 8
                && root1 == roots[v.size1 as usize]
                && root2 == roots[v.size2 as usize]
            {
                let ours = consistency_proof(&leaves[..v.size2 as usize], v.size1).unwrap();
                assert_eq!(ours, proof, "{}: generated proof differs", path.display());
                regenerated += 1;
            }
            ran += 1;
        }
        let _ = writeln!(
            std::io::stderr(),
            "consistency vectors: {ran} of {} files checked, {regenerated} proofs regenerated",
            files.len()
        );
        assert_eq!(ran, files.len(), "consistency vectors checked");
        assert!(regenerated >= 4, "only {regenerated} proofs regenerated");
    }

    // The subtree vectors. A subtree is a run of leaves `[start, end)` of a
    // larger tree whose hash is a node of that tree, or a node together with
    // the partial run on the tree's right edge (draft-ietf-plants-merkle-tree-certs,
    // "Subtrees"). This crate has no subtree functions; the definitions below
    // are those of upstream `proof/verify.go` and `proof/proof.go` at the
    // pinned commit (`VerifySubtreeInclusion`, `VerifySubtreeConsistency`,
    // `isSubtreeValid`) and reduce every case the vectors hold to this crate's
    // `verify_inclusion` and `verify_consistency`, or to a check without any
    // hashing (the empty subtree).

    /// Whether `[start, end)` is a subtree (upstream `isSubtreeValid`):
    /// `start <= end`, and `start` is 0, or equals `end` (the empty subtree),
    /// or is a multiple of the smallest power of two not below `end - start`.
    fn is_subtree(start: u64, end: u64) -> bool {
        if start > end {
            return false;
        }
        if start == 0 || start == end {
            return true;
        }
        // A length above 2^63 has no power of two above it in a u64: such a
        // subtree must start at 0, as upstream says.
        (end - start)
            .checked_next_power_of_two()
            .is_some_and(|p| start.is_multiple_of(p))
    }

    /// Upstream `VerifySubtreeInclusion`: the subtree must be valid and hold
    /// `index`; then the proof is an ordinary inclusion proof of leaf
    /// `index - start` in the tree of the subtree's `end - start` leaves, whose
    /// root is the subtree hash. That last step is [`verify_inclusion`].
    fn verify_subtree_inclusion(
        leaf: &Hash,
        index: u64,
        start: u64,
        end: u64,
        proof: &[Hash],
        subtree_root: &Hash,
    ) -> Result<(), String> {
        if !is_subtree(start, end) {
            return Err(format!("[{start}, {end}) is not a subtree"));
        }
        if index < start || index >= end {
            return Err(format!("index {index} is outside [{start}, {end})"));
        }
        verify_inclusion(leaf, index - start, end - start, proof, subtree_root)
            .map_err(|e| e.to_string())
    }

    /// Upstream `VerifySubtreeConsistency`, for the cases it can be reduced to
    /// this crate's functions:
    /// - the empty subtree (`start == end`) is in every tree of at least `end`
    ///   leaves, with an empty proof and the empty root as its hash (the
    ///   parent root is not looked at);
    /// - a subtree starting at 0 is the tree of its first `end` leaves, and
    ///   the proof is an ordinary consistency proof from `end` to `size`
    ///   leaves: [`verify_consistency`] (upstream's `start == 0` path is its
    ///   `RootFromConsistencyProof`).
    ///
    /// A valid non-empty subtree further right needs the proof algorithm of
    /// upstream `rootFromSubtreeConsistencyProof`, which this crate does not
    /// implement; `None` says so, and the test then fails rather than skip.
    fn verify_subtree_consistency(
        start: u64,
        end: u64,
        size: u64,
        proof: &[Hash],
        subtree_root: &Hash,
        root: &Hash,
    ) -> Option<Result<(), String>> {
        if start == end {
            return Some(if end > size {
                Err(format!("the tree of {size} leaves ends before {end}"))
            } else if !proof.is_empty() {
                Err("an empty subtree with a non-empty proof".to_owned())
            } else if *subtree_root != empty_root() {
                Err("an empty subtree whose hash is not the empty root".to_owned())
            } else {
                Ok(())
            });
        }
        if !is_subtree(start, end) {
            return Some(Err(format!("[{start}, {end}) is not a subtree")));
        }
        if start == 0 {
            return Some(
                verify_consistency(end, size, proof, subtree_root, root).map_err(|e| e.to_string()),
            );
        }
        None
    }

    #[test]
    fn subtree_validity_matches_upstream() {
        for (start, end, valid) in [
            (0, 0, true),
            (0, 7, true),
            (3, 3, true),
            (2, 1, false),
            (8, 16, true),
            (8, 13, true),
            (8, 17, false),
            (1, 3, false),
            (2, 5, false),
            (2, 6, false),
            (1, 15, false),
            (4, 6, true),
            (4, 8, true),
            (6, 8, true),
            (1 << 62, u64::MAX, false),
            (1, (1 << 63) + 2, false),
        ] {
            assert_eq!(is_subtree(start, end), valid, "[{start}, {end})");
        }
    }

    #[test]
    fn subtree_inclusion_vectors() {
        let files = vector_files("subtreeinclusion");
        let leaves = reference_leaves();
        let roots = reference_roots();
        let (mut ran, mut regenerated, mut untyped, mut offset) = (0, 0, 0, 0);
        for path in &files {
            let v: SubtreeInclusionVector = read_vector(path);
            let Some(leaf) = exact_hash(&v.leaf_hash) else {
                assert!(v.want_err, "{}: wrong-length leaf accepted", path.display());
                untyped += 1;
                ran += 1;
                continue;
            };
            let proof = vector_proof(&v.proof);
            let root_hash = vector_hash(&v.root);
            let got =
                verify_subtree_inclusion(&leaf, v.leaf_idx, v.start, v.end, &proof, &root_hash);
            assert_eq!(
                got.is_err(),
                v.want_err,
                "{} ({}): got {got:?}",
                path.display(),
                v.desc
            );
            if !v.want_err {
                offset += usize::from(v.start > 0);
                // The subtree's leaves are those of the reference tree (the
                // vectors place them at `start`): our proof must be theirs.
                let (n, i) = (v.end - v.start, v.leaf_idx - v.start);
                if n <= 8 && root_hash == roots[n as usize] && leaf == leaves[i as usize] {
                    let ours = inclusion_proof(&leaves[..n as usize], i).unwrap();
                    assert_eq!(ours, proof, "{}: generated proof differs", path.display());
                    regenerated += 1;
                }
            }
            ran += 1;
        }
        let _ = writeln!(
            std::io::stderr(),
            "subtree inclusion vectors: {ran} of {} files checked ({untyped} with a \
             wrong-length leaf hash, {offset} valid proofs in subtrees not at 0), \
             {regenerated} proofs regenerated",
            files.len()
        );
        assert_eq!(ran, files.len(), "subtree inclusion vectors checked");
        assert!(
            offset >= 4,
            "only {offset} valid proofs in subtrees not at 0"
        );
        assert!(regenerated >= 8, "only {regenerated} proofs regenerated");
    }

    #[test]
    fn subtree_consistency_vectors() {
        let files = vector_files("subtreeconsistency");
        let leaves = reference_leaves();
        let roots = reference_roots();
        let (mut ran, mut regenerated, mut empty) = (0, 0, 0);
        for path in &files {
            let v: SubtreeConsistencyVector = read_vector(path);
            let proof = vector_proof(&v.proof);
            let (root1, root2) = (vector_hash(&v.root1), vector_hash(&v.root2));
            let got = verify_subtree_consistency(v.start, v.end, v.size, &proof, &root1, &root2)
                .unwrap_or_else(|| {
                    panic!(
                        "{} ({}): the subtree [{}, {}) starts past 0, and this crate has no \
                         verifier for its consistency proofs",
                        path.display(),
                        v.desc,
                        v.start,
                        v.end
                    )
                });
            assert_eq!(
                got.is_err(),
                v.want_err,
                "{} ({}): got {got:?}",
                path.display(),
                v.desc
            );
            empty += usize::from(v.start == v.end);
            if !v.want_err
                && v.start == 0
                && v.end > 0
                && v.size <= 8
                && root1 == roots[v.end as usize]
                && root2 == roots[v.size as usize]
            {
                let ours = consistency_proof(&leaves[..v.size as usize], v.end).unwrap();
                assert_eq!(ours, proof, "{}: generated proof differs", path.display());
                regenerated += 1;
            }
            ran += 1;
        }
        let _ = writeln!(
            std::io::stderr(),
            "subtree consistency vectors: {ran} of {} files checked ({empty} with an empty \
             subtree), {regenerated} proofs regenerated",
            files.len()
        );
        assert_eq!(ran, files.len(), "subtree consistency vectors checked");
        assert!(regenerated >= 4, "only {regenerated} proofs regenerated");
    }

    /// Flips one bit of `h`, chosen by `salt`.
    fn flipped(h: &Hash, salt: usize) -> Hash {
        let mut out = *h;
        out[salt % 32] ^= 1 << (salt % 8);
        out
    }

    /// Every proof of every tree of 1..=256 leaves verifies, and any flipped
    /// bit in a proof hash, the leaf or a root makes it fail. The sizes are
    /// shared out over two threads (the work is quadratic per size).
    #[test]
    fn exhaustive_small_trees() {
        const MAX: u64 = 256;
        let all = synthetic_leaves(MAX);
        let roots: Vec<Hash> = (0..=MAX).map(|n| root(&all[..n as usize])).collect();
        std::thread::scope(|scope| {
            for parity in 0..2 {
                let (all, roots) = (&all, &roots);
                scope.spawn(move || {
                    for size in (1..=MAX).filter(|s| s % 2 == parity) {
                        check_all_proofs(&all[..size as usize], roots);
                    }
                });
            }
        });
    }

    /// Checks every inclusion and consistency proof of the tree `leaves`,
    /// given `roots[n]`, the root of the first `n` leaves.
    fn check_all_proofs(leaves: &[Hash], roots: &[Hash]) {
        let size = leaves.len() as u64;
        let r = &roots[size as usize];
        for index in 0..size {
            let leaf = &leaves[index as usize];
            let proof = inclusion_proof(leaves, index).unwrap();
            assert_eq!(verify_inclusion(leaf, index, size, &proof, r), Ok(()));
            for i in 0..proof.len() {
                let mut bad = proof.clone();
                bad[i] = flipped(&bad[i], i + index as usize);
                assert!(verify_inclusion(leaf, index, size, &bad, r).is_err());
            }
            let salt = (size + index) as usize;
            assert!(verify_inclusion(&flipped(leaf, salt), index, size, &proof, r).is_err());
            assert!(verify_inclusion(leaf, index, size, &proof, &flipped(r, salt)).is_err());
        }
        for old in 1..=size {
            let r1 = &roots[old as usize];
            let proof = consistency_proof(leaves, old).unwrap();
            assert_eq!(verify_consistency(old, size, &proof, r1, r), Ok(()));
            for i in 0..proof.len() {
                let mut bad = proof.clone();
                bad[i] = flipped(&bad[i], i + old as usize);
                assert!(verify_consistency(old, size, &bad, r1, r).is_err());
            }
            let salt = (size + old) as usize;
            assert!(verify_consistency(old, size, &proof, &flipped(r1, salt), r).is_err());
            assert!(verify_consistency(old, size, &proof, r1, &flipped(r, salt)).is_err());
        }
    }

    #[test]
    fn proof_length_and_shape_errors() {
        let leaves = synthetic_leaves(7);
        let r = root(&leaves);
        let proof = inclusion_proof(&leaves, 3).unwrap();
        let mut longer = proof.clone();
        longer.push(r);
        assert_eq!(
            verify_inclusion(&leaves[3], 3, 7, &longer, &r),
            Err(ProofError::WrongProofLength { got: 4, want: 3 })
        );
        assert_eq!(
            verify_inclusion(&leaves[3], 3, 7, &proof[..2], &r),
            Err(ProofError::WrongProofLength { got: 2, want: 3 })
        );
        // Wrong index or size with the same proof. (Sizes 5..=8 would accept
        // it: for leaf 3 they give the same path shape, and the root binds the
        // size.)
        assert!(verify_inclusion(&leaves[3], 2, 7, &proof, &r).is_err());
        assert!(verify_inclusion(&leaves[3], 3, 4, &proof, &r).is_err());
        assert!(verify_inclusion(&leaves[3], 3, 9, &proof, &r).is_err());
        assert_eq!(
            verify_inclusion(&leaves[3], 7, 7, &proof, &r),
            Err(ProofError::IndexOutOfRange { index: 7, size: 7 })
        );
        assert_eq!(
            inclusion_proof(&leaves, 7),
            Err(ProofError::IndexOutOfRange { index: 7, size: 7 })
        );
        assert_eq!(
            inclusion_proof(&[], 0),
            Err(ProofError::IndexOutOfRange { index: 0, size: 0 })
        );

        let r3 = root(&leaves[..3]);
        let proof = consistency_proof(&leaves, 3).unwrap();
        assert_eq!(verify_consistency(3, 7, &proof, &r3, &r), Ok(()));
        assert_eq!(
            verify_consistency(3, 7, &proof, &r, &r),
            Err(ProofError::OldRootMismatch)
        );
        assert_eq!(
            verify_consistency(3, 7, &proof[1..], &r3, &r),
            Err(ProofError::WrongProofLength {
                got: proof.len() - 1,
                want: proof.len()
            })
        );
        assert_eq!(
            verify_consistency(3, 7, &[], &r3, &r),
            Err(ProofError::WrongProofLength {
                got: 0,
                want: proof.len()
            })
        );
        assert_eq!(
            consistency_proof(&leaves, 8),
            Err(ProofError::SizeDecrease {
                old_size: 8,
                new_size: 7
            })
        );
        assert_eq!(consistency_proof(&leaves, 0), Err(ProofError::EmptyOldTree));
        assert_eq!(consistency_proof(&leaves, 7), Ok(vec![]));
        assert_eq!(verify_consistency(7, 7, &[], &r, &r), Ok(()));
        assert_eq!(
            verify_consistency(7, 7, &[r], &r, &r),
            Err(ProofError::WrongProofLength { got: 1, want: 0 })
        );
        assert_eq!(
            verify_consistency(7, 7, &[], &r3, &r),
            Err(ProofError::RootMismatch)
        );
        assert_eq!(
            verify_consistency(0, 0, &[], &r, &r),
            Err(ProofError::EmptyOldTree)
        );
        assert_eq!(
            verify_consistency(4, 3, &[], &r, &r),
            Err(ProofError::SizeDecrease {
                old_size: 4,
                new_size: 3
            })
        );
    }

    #[test]
    fn errors_read_as_sentences() {
        let all = [
            ProofError::IndexOutOfRange { index: 5, size: 3 },
            ProofError::SizeDecrease {
                old_size: 4,
                new_size: 2,
            },
            ProofError::EmptyOldTree,
            ProofError::WrongProofLength { got: 1, want: 2 },
            ProofError::OldRootMismatch,
            ProofError::RootMismatch,
        ];
        for e in all {
            let s = e.to_string();
            assert!(
                !s.is_empty() && !s.ends_with('.') && !s.contains('\n'),
                "{s}"
            );
        }
        assert_eq!(
            all[0].to_string(),
            "leaf index 5 is out of range for a tree of size 3"
        );
    }

    /// Proofs over a log of 100k entries stay cheap (linear, not quadratic).
    #[test]
    fn large_tree() {
        let n = 100_000u64;
        let leaves = synthetic_leaves(n);
        let r = root(&leaves);
        for index in [0, 1, 65_535, 65_536, n - 1] {
            let proof = inclusion_proof(&leaves, index).unwrap();
            assert_eq!(proof.len(), inclusion_proof_len(index, n));
            verify_inclusion(&leaves[index as usize], index, n, &proof, &r).unwrap();
        }
        for old in [1, 12_345, 65_536, n - 1] {
            let proof = consistency_proof(&leaves, old).unwrap();
            let r1 = root(&leaves[..old as usize]);
            verify_consistency(old, n, &proof, &r1, &r).unwrap();
        }
    }

    /// The verifiers must stay panic-free for any sizes, including ones near
    /// `u64::MAX` where shifts and subtractions could overflow.
    #[test]
    fn huge_sizes_do_not_panic() {
        let h = [7u8; 32];
        for (index, size) in [
            (0, u64::MAX),
            (u64::MAX - 1, u64::MAX),
            ((1 << 63) - 1, u64::MAX),
            (1 << 63, u64::MAX),
            (u64::MAX, u64::MAX),
        ] {
            let want = if index < size {
                inclusion_proof_len(index, size)
            } else {
                0
            };
            let proof = vec![h; want];
            assert!(verify_inclusion(&h, index, size, &proof, &h).is_err());
        }
        for (size1, size2) in [
            (1, u64::MAX),
            (u64::MAX - 1, u64::MAX),
            (1 << 63, u64::MAX),
            ((1 << 63) - 1, 1 << 63),
        ] {
            let proof = vec![h; consistency_proof_len(size1, size2)];
            assert!(verify_consistency(size1, size2, &proof, &h, &h).is_err());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Random trees beyond the exhaustive range, random positions.
        #[test]
        fn random_trees_verify(size in 257u64..3000, a in any::<u64>(), b in any::<u64>()) {
            let leaves = synthetic_leaves(size);
            let r = root(&leaves);
            let index = a % size;
            let proof = inclusion_proof(&leaves, index).unwrap();
            prop_assert_eq!(verify_inclusion(&leaves[index as usize], index, size, &proof, &r), Ok(()));
            if index + 1 < size {
                prop_assert!(verify_inclusion(&leaves[index as usize], index + 1, size, &proof, &r).is_err());
            }
            let old = 1 + b % size;
            let r1 = root(&leaves[..old as usize]);
            let proof = consistency_proof(&leaves, old).unwrap();
            prop_assert_eq!(verify_consistency(old, size, &proof, &r1, &r), Ok(()));
        }

        /// Arbitrary inputs never panic the verifiers.
        #[test]
        fn verifiers_never_panic(
            a in any::<u64>(),
            b in any::<u64>(),
            len in 0usize..80,
            seed in any::<u8>(),
        ) {
            let proof: Vec<Hash> = (0..len).map(|i| [seed.wrapping_add(i as u8); 32]).collect();
            let h = [seed; 32];
            let _ = verify_inclusion(&h, a, b, &proof, &h);
            let _ = verify_inclusion(&h, a % 1000, b % 1000, &proof, &h);
            let _ = verify_consistency(a, b, &proof, &h, &h);
            let _ = verify_consistency(a % 1000, b % 1000, &proof, &h, &h);
        }
    }

    #[test]
    fn root_builder_matches_root_for_every_prefix() {
        let leaves: Vec<Hash> = (0u32..300).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut builder = RootBuilder::new();
        assert_eq!(builder.root(), root(&[]));
        for (i, leaf) in leaves.iter().enumerate() {
            builder.push(*leaf);
            assert_eq!(builder.size(), i as u64 + 1);
            assert_eq!(builder.root(), root(&leaves[..=i]), "prefix of {}", i + 1);
        }
    }
}
