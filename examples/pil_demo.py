"""Pillow decodes a small PNG embedded as base64 and prints what it found.

The example of the original hinted-compilation write-up: a plain standalone build
pulls in much of Pillow (and whatever Pillow might import); this program only
ever uses the PNG decoder.
"""

import base64
import io

from PIL import Image

PNG_BASE64 = (
    "iVBORw0KGgoAAAANSUhEUgAAABgAAAAQCAIAAACDRijCAAAACXBIWXMAAAsTAAALEwEAmpwYAAAA"
    "IklEQVR42mNkYGDgYmCjHLEw8LMxMFABjRo0atCoQSPVIADu4Ar/gzfPvgAAAABJRU5ErkJggg=="
)

image = Image.open(io.BytesIO(base64.b64decode(PNG_BASE64)))
print("image format: %s (%s)" % (image.format, image.format_description))
print("image size:", image.size)
print("image info:", image.info)
print("first pixel:", image.convert("RGB").getpixel((0, 0)))
print("***** PIL test successful *****")
