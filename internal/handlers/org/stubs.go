package org

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (h *Handler) Tree(c echo.Context) error     { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) Children(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) Node(c echo.Context) error     { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) Search(c echo.Context) error   { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) Refresh(c echo.Context) error  { return echo.NewHTTPError(http.StatusNotImplemented) }
func (h *Handler) Export(c echo.Context) error   { return echo.NewHTTPError(http.StatusNotImplemented) }
