"""The end-to-end check's user model (tools/e2e): a small trained Keras model saved the
way a user saves theirs, with its input batch.

    tiny_model.py FOLDER     writes FOLDER/m.keras (model.save) and FOLDER/x.npy
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(folder):
    from kerascapture.cli import use_backend
    use_backend("tensorflow")
    import keras
    import numpy as np

    keras.utils.set_random_seed(11)
    layers = keras.layers
    model = keras.Sequential([
        keras.Input((12, 12, 3)),
        layers.Conv2D(8, 3, padding="same", name="conv"),
        layers.BatchNormalization(name="bn"),
        layers.MaxPooling2D(2, name="pool"),
        layers.LayerNormalization(name="ln"),
        layers.GlobalAveragePooling2D(name="gap"),
        layers.Dense(3, activation="softmax", name="classes"),
    ], name="tiny")
    rng = np.random.default_rng(11)
    x = rng.standard_normal((16, 12, 12, 3)).astype("float32")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, rng.integers(0, 3, 16), batch_size=8, epochs=1, shuffle=False, verbose=0)
    model.save(os.path.join(folder, "m.keras"))
    np.save(os.path.join(folder, "x.npy"), x[:2])


if __name__ == "__main__":
    main(sys.argv[1])
