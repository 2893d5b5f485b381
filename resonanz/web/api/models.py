"""Pydantic shapes of the REST API's requests and answers (the OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    locale: str | None


class WorkspaceOut(BaseModel):
    slug: str
    name: str
    role: str
    created_at: datetime


class WorkspaceIn(BaseModel):
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="Short name for URLs")
    name: str = Field(min_length=1, max_length=200)


ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorOut, "description": "Not logged in / invalid token"},
    403: {"model": ErrorOut, "description": "Role too low, or CSRF token missing"},
    404: {"model": ErrorOut, "description": "No such object in a workspace of yours"},
    422: {"model": ErrorOut, "description": "Invalid input"},
}
