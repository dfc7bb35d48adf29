"""Checks `rlhf tokenizer train` against Python `tokenizers` trained with the same settings.

Trains both on the same files, then compares:
  * the vocabulary (token -> id) and the merges, entry by entry;
  * tokenizer.json as a whole (parsed, then byte for byte);
  * the ids of held-out texts from Python `tokenizers`, transformers' `AutoTokenizer` loading
    our directory, and our own loader (`Tokenizer.fromPretrained`, via node);
  * decode(encode(text)) == text for each held-out text.
Exits 1 on any difference. Not run in CI (it needs Python with tokenizers and transformers).

    npx tsc -p tsconfig.json && node dist/src/cli/main.js data sample
    python scripts/check_tokenizer_train.py --vocab-size 1000 --text-field prompt,response data/sample/sft.jsonl
    python scripts/check_tokenizer_train.py --make-corpus /tmp/corpus.txt --mb 4
    python scripts/check_tokenizer_train.py --vocab-size 8000 --min-frequency 2 /tmp/corpus.txt

Made with tokenizers 0.23.2 and transformers 5.18.0.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "dist", "src", "cli", "main.js")
DEFAULT_SPECIALS = "<|endoftext|>,<|pad|>,<|im_start|>,<|im_end|>"

HELD_OUT = [
    "The quick brown fox jumps over the lazy dog. It's 2024, isn't it?",
    "Reinforcement learning from human feedback (RLHF) fine-tunes a policy against a reward model.",
    "奖励模型在人类偏好对上训练，为回答打分。",
    "混合 text 与中文，数字 12345 和 emoji 🙂🚀👨‍👩‍👧!",
    "  leading spaces, trailing spaces   \n\tand\ttabs\r\n",
    "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n",
    "\u0085NEL \ufeffBOM \u00a0nbsp \u3000ideographic",
    "déjà vu — naïve café; Ελληνικά; Русский; العربية",
]


def sequences(files, fields):
    """The texts each file holds, as `rlhf tokenizer train` reads them."""
    for path in files:
        if path.lower().endswith(".txt"):
            # Like Rust's lines_with_ending: split on \n only, keep the endings.
            with open(path, "rb") as f:
                data = f.read().decode("utf-8")
            yield from re.findall(r"[^\n]*\n|[^\n]+$", data)
        elif path.lower().endswith((".jsonl", ".ndjson")):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        yield from record_texts(json.loads(line), fields)
        elif path.lower().endswith(".json"):
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            for record in data if isinstance(data, list) else [data]:
                yield from record_texts(record, fields)
        else:
            raise SystemExit(f"{path}: this script reads .txt, .jsonl and .json")


def record_texts(record, fields):
    for field in fields:
        value = record.get(field)
        if isinstance(value, str):
            yield value


def train_python(files, args, specials, fields):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=args.vocab_size,
        min_frequency=args.min_frequency,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    if all(f.lower().endswith(".txt") for f in files):
        tok.train(files, trainer)  # HF's own file reader
    else:
        tok.train_from_iterator(sequences(files, fields), trainer)
    return tok


def train_ours(files, args, out):
    cmd = ["node", CLI, "tokenizer", "train", "--vocab-size", str(args.vocab_size), "--min-frequency", str(args.min_frequency),
           "--special-tokens", args.special_tokens, "--text-field", args.text_field, "--out", out, *files]
    if args.chat_template:
        cmd += ["--chat-template", args.chat_template]
    subprocess.run(cmd, check=True)


def encode_ours(directory, texts, conversation):
    """Ids from our loader, Tokenizer.fromPretrained, run by node (and the chat rendering)."""
    script = f"""
import {{ readFileSync }} from 'node:fs';
import {{ Tokenizer }} from {json.dumps('file://' + os.path.join(ROOT, 'dist', 'src', 'tokenizers', 'index.js'))};
const tok = Tokenizer.fromPretrained({json.dumps(directory)});
const {{ texts, conversation }} = JSON.parse(readFileSync(0, 'utf8'));
const encoded = texts.map((t) => {{ const ids = tok.encode(t); return {{ ids, decoded: tok.decode(ids) }}; }});
const chat = tok.chatTemplate === null ? null : tok.applyChatTemplate(conversation, {{ addGenerationPrompt: true }});
const special = {{ bos: tok.bosTokenId, eos: tok.eosTokenId, pad: tok.padTokenId, unk: tok.unkTokenId, all: tok.allSpecialIds }};
console.log(JSON.stringify({{ encoded, chat, special }}));
"""
    stdin = json.dumps({"texts": texts, "conversation": conversation})
    r = subprocess.run(["node", "--input-type=module", "-e", script], input=stdin, capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def compare(files, args):
    from transformers import AutoTokenizer

    specials = [t for t in args.special_tokens.split(",") if t]
    fields = [f for f in args.text_field.split(",") if f]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        ours_dir = os.path.join(tmp, "ours")
        t0 = time.time()
        train_ours(files, args, ours_dir)
        t1 = time.time()
        py = train_python(files, args, specials, fields)
        t2 = time.time()
        print(f"trained: ours {t1 - t0:.1f} s (node, incl. start-up), python tokenizers {t2 - t1:.1f} s")
        py_path = os.path.join(tmp, "python.json")
        py.save(py_path)
        with open(os.path.join(ours_dir, "tokenizer.json"), "rb") as f:
            ours_bytes = f.read()
        with open(py_path, "rb") as f:
            py_bytes = f.read()
        ours_json, py_json = json.loads(ours_bytes), json.loads(py_bytes)

        ov, pv = ours_json["model"]["vocab"], py_json["model"]["vocab"]
        om, pm = ours_json["model"]["merges"], py_json["model"]["merges"]
        print(f"vocab: ours {len(ov)}, python {len(pv)}; merges: ours {len(om)}, python {len(pm)}")
        if ov != pv:
            diff = sorted(set(ov.items()) ^ set(pv.items()), key=lambda kv: kv[1])[:5]
            failures.append(f"vocab differs, e.g. {diff}")
        if om != pm:
            i = next((i for i, (a, b) in enumerate(zip(om, pm)) if a != b), min(len(om), len(pm)))
            failures.append(f"merges differ from rank {i}: ours {om[i:i + 3]}, python {pm[i:i + 3]}")
        if ours_json != py_json:
            keys = [k for k in set(ours_json) | set(py_json) if ours_json.get(k) != py_json.get(k)]
            failures.append(f"tokenizer.json differs in {keys}")
        elif ours_bytes != py_bytes:
            failures.append("tokenizer.json is equal as JSON but not byte for byte")
        else:
            print("tokenizer.json: byte-identical to Python's tok.save()")

        texts = HELD_OUT + (open(args.held_out, encoding="utf-8").read().split("\n") if args.held_out else [])
        auto = AutoTokenizer.from_pretrained(ours_dir)
        conversation = [{"role": "user", "content": "你好! What is RLHF?"}, {"role": "assistant", "content": "Training on human preferences 🙂"}]
        node = encode_ours(ours_dir, texts, conversation)
        special = {"bos": auto.bos_token_id, "eos": auto.eos_token_id, "pad": auto.pad_token_id, "unk": auto.unk_token_id, "all": sorted(auto.all_special_ids)}
        print(f"special token ids: {special}")
        if special != node["special"]:
            failures.append(f"special token ids differ: AutoTokenizer {special}, our loader {node['special']}")
        if auto.chat_template is not None or node["chat"] is not None:
            want_chat = auto.apply_chat_template(conversation, add_generation_prompt=True, tokenize=True, return_dict=False)
            if want_chat != node["chat"]:
                failures.append(f"chat template ids differ: AutoTokenizer {want_chat[:10]}, our loader {(node['chat'] or [])[:10]}")
            else:
                print(f"chat template: {len(want_chat)} ids, same from AutoTokenizer and our loader")
        tokens = 0
        for text, mine in zip(texts, node["encoded"]):
            want = py.encode(text).ids
            tokens += len(want)
            got_auto = auto(text)["input_ids"]
            if want != got_auto:
                failures.append(f"AutoTokenizer ids differ on {text[:40]!r}: {got_auto[:8]} vs python {want[:8]}")
            if want != mine["ids"]:
                failures.append(f"our loader's ids differ on {text[:40]!r}: {mine['ids'][:8]} vs python {want[:8]}")
            if mine["decoded"] != text or py.decode(want, skip_special_tokens=False) != text:
                failures.append(f"decode(encode(text)) != text for {text[:40]!r}")
        print(f"held-out: {len(texts)} texts, {tokens} tokens: python, AutoTokenizer and our loader compared")
    return failures


def make_corpus(path, megabytes, seed):
    """A few MB of mixed text: English docstrings from transformers' source, Chinese from a
    character bigram chain over the sample facts, numbers, code and emoji."""
    import transformers

    rng = random.Random(seed)
    english = []
    base = os.path.dirname(transformers.__file__)
    for dirpath, _, names in sorted(os.walk(base)):
        for name in sorted(names):
            if name.endswith(".py"):
                with open(os.path.join(dirpath, name), encoding="utf-8", errors="replace") as f:
                    for block in re.findall(r'"""(.*?)"""', f.read(), re.S):
                        english.extend(line.strip() for line in block.split("\n") if len(line.strip()) > 20)
    with open(os.path.join(ROOT, "src", "data", "sample", "facts.ts"), encoding="utf-8") as f:
        chinese = "".join(re.findall(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+", f.read()))
    chain = {}
    for a, b in zip(chinese, chinese[1:]):
        chain.setdefault(a, []).append(b)
    emoji = ["🙂", "🚀", "👍🏽", "👨‍👩‍👧", "🇫🇷", "✨"]

    def zh_line():
        c = rng.choice(chinese)
        out = [c]
        for _ in range(rng.randint(10, 60)):
            c = rng.choice(chain.get(c) or [rng.choice(chinese)])
            out.append(c)
        return "".join(out)

    size = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        while size < megabytes * 1_000_000:
            r = rng.random()
            if r < 0.55:
                line = rng.choice(english)
            elif r < 0.85:
                line = zh_line()
            elif r < 0.95:
                line = f"{rng.choice(english)} {zh_line()} {rng.choice(emoji)} {rng.randint(0, 10 ** rng.randint(1, 9))}"
            else:
                line = f"def f_{rng.randint(0, 99)}(x):\treturn x ** {rng.randint(2, 9)}  # {rng.choice(emoji)}"
            line += "\r\n" if rng.random() < 0.02 else "\n"
            f.write(line)
            size += len(line.encode("utf-8"))
    print(f"wrote {path}: {size / 1e6:.1f} MB")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="*")
    p.add_argument("--vocab-size", type=int, default=1000)
    p.add_argument("--min-frequency", type=int, default=0)
    p.add_argument("--special-tokens", default=DEFAULT_SPECIALS, help="comma-separated")
    p.add_argument("--text-field", default="text", help="comma-separated record fields")
    p.add_argument("--chat-template", help="passed to rlhf tokenizer train (chatml or a Jinja file)")
    p.add_argument("--held-out", help="a file of extra held-out texts, one per line")
    p.add_argument("--make-corpus", metavar="PATH", help="write a synthetic corpus to PATH and exit")
    p.add_argument("--mb", type=float, default=4)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if args.make_corpus:
        make_corpus(args.make_corpus, args.mb, args.seed)
        return 0
    if not args.files:
        p.error("give the files to train on")
    failures = compare(args.files, args)
    for f in failures:
        print("FAIL:", f)
    print("OK: vocab, merges, tokenizer.json and held-out ids match Python tokenizers" if not failures else f"{len(failures)} difference(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
