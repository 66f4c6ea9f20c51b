"""Neuroglide: home exercise for nerve-related pain."""
