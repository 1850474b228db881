"""Keras's own list of each layer's arguments, compared with what the sampler draws.

A layer's constructor arguments are the parameters of its `__init__` and of
`keras.layers.Layer.__init__` (name, dtype, trainable, ...) plus every key of its
default `get_config()` (arguments taken through `**kwargs`, e.g. LayerNormalization's
`rms_scaling`). Its call arguments are the parameters of `call` after the input.
Any of them the sampler does not know stops the fuzzer, naming them: a new Keras
argument is never skipped silently.
"""

import inspect

import sampler

# Required constructor arguments, to build the default instance whose config is read.
REQUIRED = {"pool_size": 2, "output_size": 2}


class UnknownArguments(Exception):
    pass


def parameters(function, skip):
    return {n for n, p in inspect.signature(function).parameters.items()
            if n not in skip and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}


def arguments(keras, layer):
    cls = getattr(keras.layers, layer)
    names = parameters(cls.__init__, {"self"}) | parameters(keras.layers.Layer.__init__, {"self"})
    required = {n: REQUIRED[n] for n, p in inspect.signature(cls.__init__).parameters.items()
                if p.default is p.empty and n in REQUIRED}
    names |= set(cls(**required).get_config())
    call = list(inspect.signature(cls.call).parameters)[2:]  # self, inputs
    return names, set(call)


def check(keras):
    problems = []
    for layer in sampler.LAYERS:
        names, call = arguments(keras, layer)
        unknown = sorted(names - sampler.ARGUMENTS[layer])
        unknown_call = sorted(call - sampler.CALL_ARGUMENTS[layer])
        stale = sorted((sampler.ARGUMENTS[layer] - names) | (sampler.CALL_ARGUMENTS[layer] - call))
        if unknown:
            problems.append(f"{layer}: constructor arguments the sampler does not draw: {', '.join(unknown)}")
        if unknown_call:
            problems.append(f"{layer}: call arguments the sampler does not draw: {', '.join(unknown_call)}")
        if stale:
            problems.append(f"{layer}: the sampler draws arguments Keras does not have: {', '.join(stale)}")
    if problems:
        raise UnknownArguments("tools/fuzzer/sampler.py is out of date with Keras:\n  " + "\n  ".join(problems))
