"""The staff web app (issue 13): server-rendered pages over the services ' APIs."""
