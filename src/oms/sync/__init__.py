"""Channel sync: listings and quantities published to partners, and partner orders taken in."""
