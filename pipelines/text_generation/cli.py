"""`tfpipe generate`: the text-generation task's own sub-command (arguments and action)."""
from __future__ import annotations

import argparse
import os

from tfpipe.arg_types import safe_name, temperature, words_to_generate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `tfpipe generate`."""
    parser.add_argument("--workdir", default="./tfpipe-work", help="the run's workdir")
    parser.add_argument("--seed-text", required=True, help="text to continue")
    parser.add_argument("--words", type=words_to_generate, default=10,
                        help="number of words to add")
    parser.add_argument("--temperature", type=temperature, default=0.0,
                        help="0 = greedy (default); > 0 samples at this temperature")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed")
    parser.add_argument("--model-name", type=safe_name, default="text_generation",
                        help="TF Serving model name (default text_generation)")
    parser.add_argument("--model-dir", help="a SavedModel folder (default: the served "
                        "version under <workdir>/serving/<model-name>)")


def run(args: argparse.Namespace) -> int:
    """Print the seed text and the generated words."""
    from tfpipe.pipelines.text_generation.command import generate_text, latest_version

    model_dir = args.model_dir or latest_version(
        os.path.join(os.path.abspath(args.workdir), "serving", args.model_name))
    print(generate_text(model_dir, args.seed_text, args.words, args.temperature, args.seed))
    return 0
