//! Body pipeline benchmarks, and the helpers `benches/compare.sh` runs.
//!
//! ```sh
//! cargo bench --bench body                      # in-memory seal/open throughput
//! cargo bench --bench body -- text BYTES FILE   # deterministic English-like text
//! cargo bench --bench body -- populate VAULT CASE IDENTITY N
//!                                               # N small deposits through the library
//! cargo bench --bench body -- fsync DIR MIB     # what a blob's final fsync costs
//! cargo bench --bench body -- warm MIB          # touch MIB of memory, then free it
//! ```
//!
//! The in-memory figures leave out the disk and the vault (SQLite, fsync, the blob's
//! own hash); they show what the body pipeline itself costs per byte, stage by stage.

use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use sealroom_engine::internal::crypto::body;
use sealroom_engine::policy::Category;
use sealroom_engine::vault::DepositSpec;
use sealroom_engine::{Identity, Vault};

/// A small, fast, deterministic generator (xorshift64*); benchmarks need no real
/// randomness, and every run must see the same text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
}

/// English-like prose: words from a 20,000-word vocabulary drawn with a Zipf law (as in
/// real text), letters with English frequencies, sentences and paragraphs. zstd -3
/// compresses it about 3:1, as it does English prose; its matches are short and
/// varied, so it neither flatters nor starves the compressor. Written to `out`.
fn write_text(size: u64, out: &mut dyn Write) -> io::Result<()> {
    const LETTERS: &[u8; 26] = b"etaoinshrdlcumwfgypbvkjxqz";
    const FREQ: [u32; 26] = [
        127, 91, 82, 75, 70, 67, 63, 61, 60, 43, 40, 28, 28, 24, 24, 22, 20, 20, 19, 15, 10, 8, 2,
        2, 1, 1,
    ];
    let mut rng = Rng(0x5EA1_2004_D0C5_0001);
    let total: u32 = FREQ.iter().sum();
    let mut letter = || {
        let mut r = rng.below(u64::from(total)) as u32;
        let mut i = 0;
        while r >= FREQ[i] {
            r -= FREQ[i];
            i += 1;
        }
        LETTERS[i]
    };
    let mut vocab: Vec<Vec<u8>> = Vec::with_capacity(20_000);
    let mut lens = Rng(7);
    while vocab.len() < 20_000 {
        let len = 1 + lens.below(6) + lens.below(6);
        vocab.push((0..len).map(|_| letter()).collect());
    }
    // Zipf: P(rank k) proportional to 1/k; cumulative weights for a binary search.
    let mut cumulative = Vec::with_capacity(vocab.len());
    let mut acc = 0f64;
    for k in 0..vocab.len() {
        acc += 1.0 / (k as f64 + 1.0);
        cumulative.push(acc);
    }
    let mut rng = Rng(0xC0FF_EE00_1234_5678);
    let mut written = 0u64;
    let mut line = Vec::with_capacity(1 << 16);
    while written < size {
        line.clear();
        while line.len() < 60_000 {
            let words = 6 + rng.below(18);
            for w in 0..words {
                let x = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * acc;
                let k = cumulative.partition_point(|c| *c < x).min(vocab.len() - 1);
                let word = &vocab[k];
                if w == 0 {
                    line.push(word[0].to_ascii_uppercase());
                    line.extend_from_slice(&word[1..]);
                } else {
                    line.push(if rng.below(12) == 0 { b',' } else { b' ' });
                    if line.last() == Some(&b',') {
                        line.push(b' ');
                    }
                    line.extend_from_slice(word);
                }
            }
            line.extend_from_slice(if rng.below(8) == 0 { b".\n\n" } else { b". " });
        }
        let n = line.len().min((size - written) as usize);
        out.write_all(&line[..n])?;
        written += n as u64;
    }
    out.flush()
}

fn text(size: u64) -> Vec<u8> {
    let mut v = Vec::with_capacity(size as usize);
    write_text(size, &mut v).expect("writing to memory");
    v
}

/// Deposit `n` small documents into `case` as the identity in `identity_file`.
fn populate(vault: &Path, case: &str, identity_file: &Path, n: u64) -> sealroom_engine::Result<()> {
    let identity = Identity::load(identity_file, || {
        Err(sealroom_engine::Error::usage(
            "populate needs an identity made with --no-passphrase",
        ))
    })?;
    // As a member would: with a state folder (the one the CLI uses), so each deposit
    // verifies only the statements since the last one instead of the whole log.
    let mut vault = Vault::open(vault)?;
    if let Some(dir) = sealroom_engine::member::default_dir() {
        vault = vault.with_member_state(sealroom_engine::member::MemberState::new(dir));
    }
    let start = Instant::now();
    let mut rng = Rng(42);
    for i in 1..=n {
        let size = 512 + rng.below(1024);
        let mut doc = Vec::with_capacity(size as usize);
        write_text(size, &mut doc).expect("writing to memory");
        // Vary the text so that no two bodies are alike.
        doc.extend_from_slice(format!("\nExhibit {i}.\n").as_bytes());
        vault.deposit(
            &identity,
            case,
            DepositSpec::new(format!("exhibit-{i:05}.txt"))
                .category(Category::Brief)
                .title(format!("Exhibit {i} to the statement of claim")),
            &doc[..],
        )?;
        if i % 1000 == 0 {
            eprintln!(
                "populate: {i} of {n} documents in {:.1} s",
                start.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

fn mbps(bytes: usize, secs: f64) -> String {
    format!("{:>6.0} MB/s  ({secs:.3} s)", bytes as f64 / secs / 1e6)
}

/// A sink that counts (so the optimiser cannot drop the work).
struct Count(u64);

impl Write for Count {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The best of `runs` timings of `f`.
fn best(runs: usize, mut f: impl FnMut()) -> f64 {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// In-memory throughput of the body pipeline and of its parts.
fn throughput(mib: usize) {
    let n = mib << 20;
    let runs = 3;
    let prose = text(n as u64);
    let mut random = vec![0u8; n];
    getrandom::fill(&mut random).expect("random bytes");
    let key = age::x25519::Identity::generate();
    let recipient = key.to_public();
    println!("{mib} MiB in memory, best of {runs} runs:");

    let t = best(runs, || {
        ring::digest::digest(&ring::digest::SHA256, &random);
    });
    println!("  SHA-256 (ring)                    {}", mbps(n, t));
    let t = best(runs, || {
        let e = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .unwrap();
        let mut w = e.wrap_output(Count(0)).unwrap();
        w.write_all(&random).unwrap();
        w.finish().unwrap();
    });
    println!("  age encrypt, one thread           {}", mbps(n, t));
    let t = best(1, || {
        zstd::bulk::compress(&prose, body::ZSTD_LEVEL).unwrap();
    });
    println!("  zstd -3, one thread (prose)       {}", mbps(n, t));

    for (name, data) in [("prose", &prose), ("random", &random)] {
        let mut blob = Vec::with_capacity(n + n / 50);
        let mut encoding = body::Encoding::None;
        let t = best(runs, || {
            blob.clear();
            encoding = body::seal(&data[..], &recipient, &mut blob)
                .unwrap()
                .encoding;
        });
        println!(
            "  body::seal {name:<7} ({:>4})         {}  ratio {:.2}",
            encoding.as_str(),
            mbps(n, t),
            n as f64 / blob.len() as f64
        );
        let t = best(runs, || {
            let mut out = Count(0);
            body::open(&blob[..], &key, encoding, &mut out).unwrap();
            assert_eq!(out.0, n as u64);
        });
        println!(
            "  body::open {name:<7} ({:>4})         {}",
            encoding.as_str(),
            mbps(n, t)
        );
    }
}

/// What the blob store's final fsync costs, and what starting the writeback early would
/// save: writes `mib` MiB in 1 MiB pieces to a new file in `dir`, then fsyncs it; then
/// the same with a second thread that calls `fdatasync` on a clone of the handle after
/// every 64 MiB, so that the disk works while the pipeline does (`BlobStore::write`
/// starts the same early writeback with `posix_fadvise`, without a thread). Best of
/// three each.
fn fsync_overlap(dir: &Path, mib: usize) -> io::Result<()> {
    use std::fs::File;
    let mut chunk = vec![0u8; 1 << 20];
    getrandom::fill(&mut chunk).expect("random bytes");
    let path = dir.join("sealroom-fsync-probe");
    let mut plain = (f64::INFINITY, f64::INFINITY);
    let mut overlapped = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        let mut f = File::create(&path)?;
        for _ in 0..mib {
            f.write_all(&chunk)?;
        }
        let written = t.elapsed().as_secs_f64();
        f.sync_all()?;
        let total = t.elapsed().as_secs_f64();
        plain = (plain.0.min(written), plain.1.min(total));
        drop(f);
        std::fs::remove_file(&path)?;

        let t = Instant::now();
        let mut f = File::create(&path)?;
        let clone = f.try_clone()?;
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let syncer = std::thread::spawn(move || {
            for () in rx {
                let _ = clone.sync_data();
            }
        });
        for i in 1..=mib {
            f.write_all(&chunk)?;
            if i % 64 == 0 {
                let _ = tx.send(());
            }
        }
        drop(tx);
        let _ = syncer.join();
        f.sync_all()?;
        overlapped = overlapped.min(t.elapsed().as_secs_f64());
        drop(f);
        std::fs::remove_file(&path)?;
    }
    println!(
        "{mib} MiB: write {:.2} s, + fsync = {:.2} s; with fdatasync every 64 MiB on a second thread: {overlapped:.2} s",
        plain.0, plain.1
    );
    Ok(())
}

/// Write to every page of `mib` MiB of new memory, then free it. On a virtual machine
/// that reports free memory to its host, pages freed a few seconds ago have been handed
/// back, and the next command to fill the page cache with them pays for the host to
/// fault them in again (0.3 to 1 s of system time per GiB here, at random). Run just
/// before a timed command, this leaves it memory the host still backs, whichever side
/// of a comparison it is.
fn warm(mib: usize) {
    let mut memory = vec![0u8; mib << 20];
    for page in memory.chunks_mut(4096) {
        page[0] = 1;
    }
    std::hint::black_box(&memory);
}

fn main() -> ExitCode {
    // `cargo bench` appends `--bench`; it means nothing here.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        [] => {
            throughput(256);
            Ok(())
        }
        ["throughput", mib] => {
            throughput(mib.parse().expect("a size in MiB"));
            Ok(())
        }
        ["text", size, file] => {
            let size: u64 = size.parse().expect("a size in bytes");
            std::fs::File::create(file)
                .and_then(|f| write_text(size, &mut BufWriter::with_capacity(1 << 20, f)))
                .map_err(|e| sealroom_engine::Error::io(format!("writing {file}: {e}")))
        }
        ["fsync", dir, mib] => fsync_overlap(Path::new(dir), mib.parse().expect("a size in MiB"))
            .map_err(|e| sealroom_engine::Error::io(format!("fsync probe: {e}"))),
        ["warm", mib] => {
            warm(mib.parse().expect("a size in MiB"));
            Ok(())
        }
        ["populate", vault, case, identity, n] => populate(
            Path::new(vault),
            case,
            Path::new(identity),
            n.parse().expect("a number of documents"),
        ),
        _ => Err(sealroom_engine::Error::usage(
            "usage: body [throughput MIB | text BYTES FILE | populate VAULT CASE IDENTITY N | fsync DIR MIB | warm MIB]",
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("body: {}", e.message());
            ExitCode::FAILURE
        }
    }
}
