"""Modal dialogs the stations open: walk-in and places, over capacity, move here, passcode, QR code, room picker."""
