"""The text classifier of the router (智能分拨): features, training, storage and prediction.

Features of a text are its jieba words (dictionary mode without the HMM guesser, the
segmentation of the case search, so the same text is always cut the same way) and its
Chinese character bigrams (which survive words the dictionary does not know), weighted by
TF-IDF (sublinear term frequency, L2-normalised). The model is a multinomial logistic
regression (scikit-learn), whose probabilities are the confidence shown.

A trained model is stored as plain arrays (vocabulary, idf, weights, intercepts, labels) in a
compressed NumPy archive read with ``allow_pickle=False``: nothing executable is ever loaded
from the database, and a model outlives the scikit-learn version that trained it. Prediction
is done here from those arrays, so it also tells which features drove the answer: the
contribution of a feature to a class is its weight times its value in the text.
"""

from __future__ import annotations

import io
import math
import re
import time
from collections import Counter
from dataclasses import dataclass

import numpy as np

from gongzhi.cases.search.segment import normalise, words

_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
BIGRAM = "~"  # prefix of a character bigram feature, keeping it apart from a word of the same two characters
MIN_DF = 2
MAX_FEATURES = 200_000


def features(text: str) -> list[str]:
    """The features of ``text``: its words, then its character bigrams (prefixed with ``~``)."""
    text = normalise(text)
    out = words(text)
    for run in _CJK_RUN.findall(text):
        out.extend(BIGRAM + run[i:i + 2] for i in range(len(run) - 1))
    return out


def shown(feature: str) -> str:
    """A feature as a person reads it."""
    return feature[1:] if feature.startswith(BIGRAM) else feature


def case_text(title: str, description: str) -> str:
    return f"{title or ''}\n{description or ''}"


@dataclass
class Evaluation:
    macro_f1: float
    accuracy: float
    per_class: list[dict]  # {label, precision, recall, f1, support}, by label
    count: int


def evaluate(truth: list[str], predicted: list[str], labels: list[str] | None = None) -> Evaluation:
    """Per-class precision, recall and F1, their macro average and the accuracy.

    The classes are those of the truth (a class the model predicts that the truth never has
    counts against precision only): the macro-F1 is the mean over the labels the data holds.
    """
    from sklearn.metrics import precision_recall_fscore_support

    labels = labels or sorted(set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0)
    per_class = [{"label": label, "precision": round(float(p), 4), "recall": round(float(r), 4),
                  "f1": round(float(f), 4), "support": int(s)}
                 for label, p, r, f, s in zip(labels, precision, recall, f1, support)]
    accuracy = sum(1 for a, b in zip(truth, predicted) if a == b) / len(truth) if truth else 0.0
    return Evaluation(macro_f1=round(float(np.mean(f1)) if len(labels) else 0.0, 4),
                      accuracy=round(accuracy, 4), per_class=per_class, count=len(truth))


@dataclass
class Prediction:
    label: str
    confidence: float
    words: list[str]  # the features that pushed most towards the label, as read
    ranked: list[tuple[str, float]]  # the best labels with their probability


class TextModel:
    """A trained classifier as arrays: ``vocabulary`` (features), ``idf``, ``coef`` (classes ×
    features), ``intercept`` and ``labels``."""

    def __init__(self, vocabulary: list[str], idf, coef, intercept, labels: list[str]):
        self.vocabulary = list(vocabulary)
        self.index = {feature: i for i, feature in enumerate(self.vocabulary)}
        self.idf = np.asarray(idf, dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.labels = list(labels)
        # A binary model has one row of weights (for the second label); make it two, opposite.
        if self.coef.shape[0] == 1 and len(self.labels) == 2:
            self.coef = np.vstack([-self.coef / 2, self.coef / 2])
            self.intercept = np.array([-self.intercept[0] / 2, self.intercept[0] / 2])

    # --- storage ---------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(buffer, vocabulary=np.array(self.vocabulary, dtype=str), idf=self.idf.astype(np.float32),
                            coef=self.coef.astype(np.float32), intercept=self.intercept,
                            labels=np.array(self.labels, dtype=str))
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TextModel:
        with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as arrays:
            return cls(arrays["vocabulary"].tolist(), arrays["idf"], arrays["coef"], arrays["intercept"],
                       arrays["labels"].tolist())

    # --- prediction ------------------------------------------------------------------
    def vector(self, found: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(feature indexes, TF-IDF values, L2-normalised) of the known ones of the features ``found``."""
        counts = Counter(i for i in (self.index.get(f) for f in found) if i is not None)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts))
        values = tf * self.idf[idx]
        norm = np.linalg.norm(values)
        return idx, values / norm if norm else values

    def predict(self, text: str, *, top_words: int = 5, top_labels: int = 3, found: list[str] | None = None
                ) -> Prediction:
        idx, values = self.vector(features(text) if found is None else found)
        scores = self.coef[:, idx] @ values + self.intercept
        scores = scores - scores.max()
        probabilities = np.exp(scores)
        probabilities /= probabilities.sum()
        order = np.argsort(-probabilities)
        best = int(order[0])
        drove = []
        if len(idx):
            contribution = self.coef[best, idx] * values
            for j in np.argsort(-contribution):
                if contribution[j] <= 0 or len(drove) >= top_words:
                    break
                word = shown(self.vocabulary[idx[j]])
                if word not in drove:
                    drove.append(word)
        return Prediction(label=self.labels[best], confidence=float(probabilities[best]), words=drove,
                          ranked=[(self.labels[int(i)], float(probabilities[int(i)])) for i in order[:top_labels]])

    def predict_labels(self, texts: list[str], found: list[list[str]] | None = None) -> list[str]:
        if found is None:
            found = [features(text) for text in texts]
        return [self.predict("", top_words=0, top_labels=1, found=f).label for f in found]


@dataclass
class Trained:
    model: TextModel
    evaluation: Evaluation
    train_count: int
    test_count: int
    seconds: float  # CPU seconds of the whole training (features, fit, evaluation)


def train(texts: list[str], labels: list[str], *, weights: list[float] | None = None, test_share: float = 0.2,
          seed: int = 20) -> Trained:
    """Fit on all but a held-back, stratified ``test_share`` of the examples; evaluate on that share.

    The model kept is the one fitted without the held-back slice, so its stored evaluation
    describes exactly it. Labels with fewer than two examples cannot be held back and stay in
    training only.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    started = time.process_time()
    if len(set(labels)) < 2:
        raise ValueError("at least two categories are needed")
    weights = list(weights) if weights is not None else [1.0] * len(texts)
    tokens = [features(text) for text in texts]
    counts = Counter(labels)
    index = list(range(len(texts)))
    held_able = [i for i in index if counts[labels[i]] >= 2]
    singles = [i for i in index if counts[labels[i]] < 2]
    test_size = max(int(round(len(held_able) * test_share)), len(set(labels[i] for i in held_able)))
    train_idx, test_idx = train_test_split(held_able, test_size=test_size, random_state=seed,
                                           stratify=[labels[i] for i in held_able])
    train_idx = list(train_idx) + singles
    vectorizer = TfidfVectorizer(analyzer=lambda x: x, min_df=MIN_DF if len(train_idx) >= 200 else 1,
                                 max_features=MAX_FEATURES, sublinear_tf=True)
    x_train = vectorizer.fit_transform([tokens[i] for i in train_idx])
    classifier = LogisticRegression(C=10.0, max_iter=300)
    classifier.fit(x_train, [labels[i] for i in train_idx], sample_weight=[weights[i] for i in train_idx])
    model = TextModel(vectorizer.get_feature_names_out().tolist(), vectorizer.idf_, classifier.coef_,
                      classifier.intercept_, [str(c) for c in classifier.classes_])
    predicted = model.predict_labels([], found=[tokens[i] for i in test_idx])
    evaluation = evaluate([labels[i] for i in test_idx], predicted)
    return Trained(model=model, evaluation=evaluation, train_count=len(train_idx), test_count=len(test_idx),
                   seconds=time.process_time() - started)
