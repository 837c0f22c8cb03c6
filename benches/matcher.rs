//! Matcher throughput on source-like text, with and without planted keys.

#[path = "support/corpus_gen.rs"]
mod corpus_gen;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

use stray::{Matcher, RuleSet};

fn matcher_throughput(c: &mut Criterion) {
    let matcher = Matcher::new(RuleSet::builtin().expect("built-in rules")).expect("matcher");
    let mut rng = corpus_gen::Rng::new(1);
    let clean = corpus_gen::source_text(&mut rng, 1 << 20, 0);
    let planted = corpus_gen::source_text(&mut rng, 1 << 20, 200);

    let mut group = c.benchmark_group("matcher");
    group.throughput(Throughput::Bytes(clean.len() as u64));
    group.bench_function("source_1mib_no_keys", |b| {
        b.iter(|| matcher.find(black_box(clean.as_bytes())))
    });
    group.throughput(Throughput::Bytes(planted.len() as u64));
    group.bench_function("source_1mib_key_every_200_lines", |b| {
        b.iter(|| matcher.find(black_box(planted.as_bytes())))
    });
    group.finish();

    c.bench_function("matcher_build_builtin", |b| {
        b.iter(|| Matcher::new(RuleSet::builtin().expect("rules")).expect("matcher"))
    });
}

criterion_group!(benches, matcher_throughput);
criterion_main!(benches);
