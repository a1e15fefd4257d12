"""Benchmark of the routing suggestion from the text (智能分拨): suggestions per second, training time.

Trains :mod:`gongzhi.insights.textmodel` on ``--train`` cases (100,000 by default) of the generated
corpus (:mod:`gongzhi.insights.corpus`: 46 leaf categories, 15% of messages naming a second problem,
2% labelled wrong), leaf labels, a fifth held back, and prints the CPU and wall time of the training
(features, fit, evaluation) and its macro-F1; then predicts ``--suggest`` new texts one at a time
in one process (one core: the words that drove each answer included, as a suggestion shows them)
and prints suggestions per CPU second and per wall second. Needs no database.

    .venv/bin/python bench/router.py [--train N] [--suggest N]
"""

import argparse
import os
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--train", type=int, default=100_000)
parser.add_argument("--suggest", type=int, default=5_000)
args = parser.parse_args()

from _django import start  # noqa: E402

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core
start("router")

from gongzhi.insights import corpus, textmodel  # noqa: E402

data = corpus.generate(args.train, seed=1, label_noise=0.02)
texts = [textmodel.case_text(t, d) for t, d, _ in data]
labels = [label for *_, label in data]
textmodel.features("预热分词词典")  # jieba loads its dictionary once per process: not part of a training
wall = time.perf_counter()
trained = textmodel.train(texts, labels)
wall = time.perf_counter() - wall
print(f"training examples: {trained.train_count + trained.test_count} ({trained.test_count} held back)")
print(f"router macro-F1 (held back, generated corpus): {trained.evaluation.macro_f1:.3f} (target: >= 0.9)")
print(f"router training, CPU: {trained.seconds:.1f} s (target: < 60)")
print(f"router training, wall: {wall:.1f} s (target: < 60)")

queries = [textmodel.case_text(t, d) for t, d, _ in corpus.generate(args.suggest, seed=99)]
model = textmodel.TextModel.from_bytes(trained.model.to_bytes())
cpu, wall = time.process_time(), time.perf_counter()
for text in queries:
    model.predict(text)
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(f"router suggestions per CPU second: {len(queries) / cpu:.0f} /s (target: >= 500)")
print(f"router suggestions per wall second: {len(queries) / wall:.0f} /s (target: >= 500)")
