"""A faithful ``tf.compat.v1`` port of the article's TensorFlow 1 program (the baseline).

The article (``../shared/seed/``) builds its NAC and NALU with ``tf.get_variable`` /
``tf.Variable``, feeds the whole training set through placeholders, and calls ``sess.run`` once
per epoch for 22000 epochs of Adam at 0.05 on the mean squared error. This module does the same,
in its own ``tf.Graph`` so that it can run in one process beside nalu_lib's eager code. Two
changes, both in the baseline's favour: it does not print the loss of every epoch (22000 lines),
and it accepts a seed (``tf.compat.v1.set_random_seed``) so runs can be repeated.

Used by ``benchmarks/article_speed.py``.
"""

from __future__ import annotations

import time

import numpy as np
import tensorflow as tf

v1 = tf.compat.v1


def _nac(in_dim, out_dim):
    in_features = in_dim.shape[1]
    W_hat = v1.get_variable(
        name="W_hat",
        initializer=v1.initializers.random_uniform(minval=-2, maxval=2),
        shape=[in_features, out_dim],
        trainable=True,
    )
    M_hat = v1.get_variable(
        name="M_hat",
        initializer=v1.initializers.random_uniform(minval=-2, maxval=2),
        shape=[in_features, out_dim],
        trainable=True,
    )
    W = tf.nn.tanh(W_hat) * tf.nn.sigmoid(M_hat)
    a = tf.matmul(in_dim, W)
    return a, W


def _nalu(in_dim, out_dim):
    shape = (int(in_dim.shape[-1]), out_dim)
    epsilon = 1e-7
    W_hat = tf.Variable(v1.truncated_normal(shape, stddev=0.02))
    M_hat = tf.Variable(v1.truncated_normal(shape, stddev=0.02))
    G = tf.Variable(v1.truncated_normal(shape, stddev=0.02))
    W = tf.tanh(W_hat) * tf.sigmoid(M_hat)
    a = tf.matmul(in_dim, W)
    m = tf.exp(tf.matmul(v1.log(tf.abs(in_dim) + epsilon), W))
    g = tf.sigmoid(tf.matmul(in_dim, G))
    y = g * a + (1 - g) * m
    return y, W


def run_article(unit: str, x_train, y_train, x_evals, *, epochs: int = 22000, seed: int = 0):
    """Train the article's ``"nac"`` or ``"nalu"`` as the article does.

    ``y_train`` has shape ``(n,)`` as in the article. Returns ``(seconds, loop_seconds,
    predictions, W, cost_history)``: the wall time of graph construction, session and training
    loop, that of the training loop alone, the trained model's predictions for each array in
    ``x_evals``, its ``W``, and the loss per epoch.
    """
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(seed)
        start = time.perf_counter()
        X = v1.placeholder(dtype=tf.float32, shape=[None, 2])
        Y = v1.placeholder(dtype=tf.float32, shape=[None])
        y_pred, W = (_nac if unit == "nac" else _nalu)(X, 1)
        y_pred = tf.squeeze(y_pred)
        loss = tf.reduce_mean((y_pred - Y) ** 2)
        alpha = 0.05
        optimize = v1.train.AdamOptimizer(learning_rate=alpha).minimize(loss)
        with v1.Session(graph=graph) as sess:
            cost_history = []
            sess.run(v1.global_variables_initializer())
            loop_start = time.perf_counter()
            for _ in range(epochs):
                _, cost = sess.run([optimize, loss], feed_dict={X: x_train, Y: y_train})
                cost_history.append(cost)
            seconds = time.perf_counter() - start
            loop_seconds = time.perf_counter() - loop_start
            predictions = [np.atleast_1d(sess.run(y_pred, feed_dict={X: x})) for x in x_evals]
            weights = sess.run(W)
    return seconds, loop_seconds, predictions, weights, np.asarray(cost_history)
