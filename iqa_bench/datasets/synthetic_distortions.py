"""LIVE's five distortion types, applied by the project to make the embedded sample.

Each function takes an RGB uint8 array, a level parameter and a seeded numpy Generator, and returns
an RGB uint8 array. Encoders are Pillow's (libjpeg, OpenJPEG); noise and blur use numpy/scipy.
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image
from scipy.ndimage import gaussian_filter


def _decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"))


def _encode_jp2k(image: np.ndarray, compression_ratio: float) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG2000", quality_mode="rates",
                                quality_layers=[compression_ratio], irreversible=True)
    return buffer.getvalue()


def jpeg2000(image: np.ndarray, compression_ratio: float, rng: np.random.Generator) -> np.ndarray:
    """JPEG2000 (OpenJPEG, 9/7 wavelet) at a target compression ratio (24 bpp / ratio)."""
    return _decode(_encode_jp2k(image, compression_ratio))


def jpeg(image: np.ndarray, quality: float, rng: np.random.Generator) -> np.ndarray:
    """Baseline JPEG (libjpeg) at a quality factor, 4:2:0 chroma subsampling as Pillow's default."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG", quality=int(quality))
    return _decode(buffer.getvalue())


def white_noise(image: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Additive white Gaussian noise of standard deviation ``sigma`` (in [0, 1] units), all channels."""
    noisy = image / 255.0 + rng.normal(0.0, sigma, size=image.shape)
    return np.clip(np.round(noisy * 255.0), 0, 255).astype(np.uint8)


def gaussian_blur(image: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Circular-symmetric 2-D Gaussian blur of standard deviation ``sigma`` pixels, per channel."""
    blurred = gaussian_filter(image.astype(np.float64), sigma=(sigma, sigma, 0), mode="reflect")
    return np.clip(np.round(blurred), 0, 255).astype(np.uint8)


#: Compression ratio of the JPEG2000 stream that fast fading corrupts.
FASTFADING_RATIO = 12.0


def fast_fading(image: np.ndarray, bit_error_rate: float, rng: np.random.Generator) -> np.ndarray:
    """Approximation of LIVE's fast fading: a JPEG2000 stream sent over a noisy channel.

    LIVE transmitted JPEG2000 streams over a simulated Rayleigh fast-fading channel. Here the
    stream (ratio ``FASTFADING_RATIO``) goes through a binary symmetric channel instead: every bit
    after the first start-of-data marker (the main header stays intact, as the codec's error
    resilience would protect it) flips with probability ``bit_error_rate``, then OpenJPEG decodes
    what arrives. Errors are memoryless rather than bursty, which is the documented difference.
    A stream the decoder rejects is re-sent with the next draw of the same generator.
    """
    stream = _encode_jp2k(image, FASTFADING_RATIO)
    start = stream.find(b"\xff\x93") + 2  # SOD marker: packet data follows
    payload_bits = (len(stream) - start) * 8
    for _attempt in range(20):
        flips = np.flatnonzero(rng.random(payload_bits) < bit_error_rate)
        corrupted = bytearray(stream)
        for bit in flips:
            corrupted[start + bit // 8] ^= 1 << (bit % 8)
        try:
            return _decode(bytes(corrupted))
        except OSError:
            continue
    raise RuntimeError(f"fast fading: 20 corrupted streams in a row failed to decode (BER {bit_error_rate})")


#: name -> (function, parameter name, five levels from mild to severe)
DISTORTIONS = {
    "jp2k": (jpeg2000, "compression_ratio", [12, 24, 48, 96, 192]),
    "jpeg": (jpeg, "quality", [60, 30, 15, 8, 4]),
    "wn": (white_noise, "sigma", [0.01, 0.02, 0.04, 0.08, 0.16]),
    "gblur": (gaussian_blur, "sigma_px", [0.6, 1.2, 2.4, 4.8, 9.6]),
    "fastfading": (fast_fading, "bit_error_rate", [5e-6, 2e-5, 5e-5, 1e-4, 2e-4]),
}
