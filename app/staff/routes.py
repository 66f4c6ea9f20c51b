"""Routes of this area (filled in as the area is built)."""

from fastapi import APIRouter

router = APIRouter()
