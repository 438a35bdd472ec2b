"""A sentence-pair classifier over an autoencoder's codes: the semi-supervised NLI head of ARAE.md §5.

The two sentences go through one shared encoder (any `Encoder`, pre-trained by an AE/ARAE run or
freshly initialised), and an MLP reads the matching features of Conneau et al. (2017),
`[u; v; |u − v|; u · v]`, to predict the relation (entailment / neutral / contradiction for SNLI).
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tfarae")
class PairClassifier(keras.Model):
    """`p(y | premise, hypothesis)` from the codes `u`, `v` of a shared encoder.

    Args:
        encoder: a Keras model mapping int token ids `[B, T]` to float codes `[B, C]` (a
            `tfarae.models.Encoder`); its weights train with the head unless `freeze_encoder`.
        hidden_units: list of MLP widths (Dense → ReLU → Dropout each).
        num_classes: K.
        dropout: dropout rate after each hidden layer.
        freeze_encoder: keep the encoder's weights fixed (only the MLP trains).
        **kwargs: `keras.Model` arguments.

    Call: `(premise_ids, hypothesis_ids)`, each int `[B, T]` → float32 logits `[B, K]`.
    """

    def __init__(self, encoder, hidden_units, num_classes, dropout=0.0, freeze_encoder=False, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.hidden_units = list(hidden_units)
        self.num_classes = num_classes
        self.dropout = dropout
        self.freeze_encoder = freeze_encoder
        self.encoder.trainable = not freeze_encoder
        layers = []
        for width in self.hidden_units:
            layers += [keras.layers.Dense(width, activation="relu"), keras.layers.Dropout(dropout)]
        self.head = keras.Sequential(layers + [keras.layers.Dense(num_classes)], name="pair_head")

    @staticmethod
    def pair_features(u, v):
        """Returns `[u; v; |u − v|; u · v]`, float32 `[B, 4C]`, from codes `u`, `v` `[B, C]`."""
        u, v = ops.cast(u, "float32"), ops.cast(v, "float32")
        return ops.concatenate([u, v, ops.abs(u - v), u * v], axis=-1)

    def call(self, inputs, training=False):
        premise_ids, hypothesis_ids = inputs
        features = self.pair_features(self.encoder(premise_ids), self.encoder(hypothesis_ids))
        return ops.cast(self.head(features, training=training), "float32")

    def get_config(self):
        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "hidden_units": self.hidden_units,
            "num_classes": self.num_classes,
            "dropout": self.dropout,
            "freeze_encoder": self.freeze_encoder,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        return cls(**config)
