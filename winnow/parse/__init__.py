"""From page bytes to blocks: decode, parse, segment, fingerprint, and the site a page is on."""
