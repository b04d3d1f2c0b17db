package server

// registerLearnPages registers the learner's pages: 我的学习, the course
// catalogue and course pages, and the lesson player.
func (s *Server) registerLearnPages() {}
