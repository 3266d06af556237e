"""Next-word text generation task: corpus reader, n-gram prefixes, BiLSTM language model."""
