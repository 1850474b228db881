"""The models of the real-model corpus (golden/models/): keras.applications
architectures built with weights=None (nothing is downloaded) at small input sizes, a
small transformer encoder and a small network holding every in-scope class, each built
from a fixed seed and trained a few steps on seeded data (so BatchNormalization's
moving statistics and every trained weight are no longer at their initial values).

MODELS maps each name (the model's name, the first part of its case ids) to: build (a function of
the keras module returning the model), data (a function of a numpy Generator returning
(train inputs, train labels, capture batch)), the seed, and the training steps of batch 8.
"""


def _images(size, classes=10):
    def data(rng):
        x = rng.standard_normal((8 * 4, size, size, 3)).astype("float32")
        y = rng.integers(0, classes, len(x))
        return x, y, rng.standard_normal((2, size, size, 3)).astype("float32")
    return data


def _tokens(vocab, length, classes):
    def batch(rng, n):
        x = rng.integers(1, vocab, (n, length)).astype("int32")
        lengths = rng.integers(3, length + 1, n)  # every row keeps at least 3 tokens
        for row, kept in enumerate(lengths):
            x[row, kept:] = 0                      # padding (masked by Embedding(mask_zero=True))
        return x

    def data(rng):
        x = batch(rng, 8 * 4)
        return x, rng.integers(0, classes, len(x)), batch(rng, 4)
    return data


def resnet50(keras):
    return keras.applications.ResNet50(weights=None, input_shape=(32, 32, 3), classes=10, name="resnet50")


def mobilenetv2(keras):
    return keras.applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), alpha=0.35, classes=10,
                                          name="mobilenetv2")


def efficientnetb0(keras):
    return keras.applications.EfficientNetB0(weights=None, input_shape=(32, 32, 3), classes=10,
                                             name="efficientnetb0")


def convnext_tiny(keras):
    return keras.applications.ConvNeXtTiny(weights=None, input_shape=(32, 32, 3), classes=10,
                                           name="convnext_tiny")


def transformer(keras):
    """Two post-norm encoder blocks over padded token sequences; the padding mask
    reaches the LayerNormalizations and the masked mean."""
    layers = keras.layers
    tokens = keras.Input((12,), dtype="int32", name="tokens")
    x = layers.Embedding(50, 16, mask_zero=True, name="embedding")(tokens)
    for i in range(2):
        attended = layers.MultiHeadAttention(2, 8, name=f"attention_{i}")(x, x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"attention_norm_{i}")(layers.Add()([x, attended]))
        hidden = layers.Dense(32, activation="relu", name=f"ffn_in_{i}")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"ffn_norm_{i}")(
            layers.Add()([x, layers.Dense(16, name=f"ffn_out_{i}")(hidden)]))
    x = layers.GlobalAveragePooling1D(name="masked_mean")(x)
    return keras.Model(tokens, layers.Dense(4, activation="softmax", name="classes")(x), name="transformer")


def layerzoo(keras):
    """Every in-scope class in one trained network: an adapted Normalization, a shared
    nested Sequential block called twice, 1D/2D/3D branches of every pooling family."""
    layers = keras.layers
    image = keras.Input((16, 16, 3), name="image")
    x = layers.Normalization(name="input_norm")(image)
    x = layers.Conv2D(16, 3, padding="same", name="stem")(x)
    x = layers.GroupNormalization(groups=4, name="stem_gn")(x)
    x = layers.Activation("relu")(x)
    x = layers.MaxPooling2D(2, name="stem_pool")(x)                                   # 8x8x16
    block = keras.Sequential([layers.Conv2D(16, 3, padding="same", name="conv"),
                              layers.BatchNormalization(name="bn"), layers.Activation("relu")],
                             name="shared_block")
    x = block(block(x))
    flat = [
        layers.GlobalMaxPooling2D(name="gmp2d")(layers.AveragePooling2D(2, padding="same", name="avg2d")(x)),
        layers.GlobalAveragePooling2D(name="gap2d")(layers.AdaptiveMaxPooling2D((3, 3), name="amax2d")(x)),
        layers.Flatten()(layers.AdaptiveAveragePooling2D((2, 2), name="aavg2d")(x)),
    ]
    seq = layers.Reshape((64, 16))(x)
    seq = layers.RMSNormalization(name="seq_rms")(layers.LayerNormalization(name="seq_ln")(seq))
    flat += [
        layers.GlobalMaxPooling1D(name="gmp1d")(layers.MaxPooling1D(4, name="max1d")(seq)),
        layers.GlobalAveragePooling1D(name="gap1d")(layers.AveragePooling1D(3, strides=2, name="avg1d")(seq)),
        layers.Flatten()(layers.AdaptiveMaxPooling1D(5, name="amax1d")(seq)),
        layers.Flatten()(layers.AdaptiveAveragePooling1D(3, name="aavg1d")(seq)),
    ]
    vol = layers.Reshape((4, 4, 4, 16))(x)
    flat += [
        layers.GlobalAveragePooling3D(name="gap3d")(layers.MaxPooling3D(2, name="max3d")(vol)),
        layers.GlobalMaxPooling3D(name="gmp3d")(layers.AveragePooling3D(2, strides=1, name="avg3d")(vol)),
        layers.Flatten()(layers.AdaptiveMaxPooling3D(2, name="amax3d")(vol)),
        layers.Flatten()(layers.AdaptiveAveragePooling3D((2, 3, 2), name="aavg3d")(vol)),
    ]
    h = layers.UnitNormalization(name="unit")(layers.Concatenate()(flat))
    h = layers.Dense(10, activation="softmax", name="classes")(h)
    return keras.Model(image, h, name="layerzoo")


# (build, data, seed, training steps of batch 8)
MODELS = {
    "resnet50": (resnet50, _images(32), 1, 4),
    "mobilenetv2": (mobilenetv2, _images(32), 2, 4),
    "efficientnetb0": (efficientnetb0, _images(32), 3, 4),
    "convnext_tiny": (convnext_tiny, _images(32), 4, 4),
    "transformer": (transformer, _tokens(50, 12, 4), 5, 4),
    "layerzoo": (layerzoo, _images(16), 6, 4),
}
