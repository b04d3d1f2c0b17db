package server

// registerAuthorPages registers the trainer's course editor and the
// enterprise admin's training page (who is behind, offline training).
func (s *Server) registerAuthorPages() {}
