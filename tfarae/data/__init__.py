"""Data: the embedded grammar corpus (and its attribute-labelled classes, `attributes`), text files, TFDS,
vocabulary, tokenizer and tf.data input; images (`images`: binarized MNIST, MNIST, embedded digits)."""
