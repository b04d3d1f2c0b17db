package demo

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"path"

	"anpei/account"
	"anpei/course"
	"anpei/media"
)

// The demo catalogue: data/courses/catalogue.json lists the courses, their
// lessons and the files they are made of (text lessons as HTML, a video
// and a PDF the project made itself with data/media/make-media.sh).
//
//go:embed data/courses/catalogue.json data/courses/lessons/*.html data/media/hazard-intro.mp4 data/media/emergency-card.pdf
var courseFiles embed.FS

type demoCourse struct {
	Code        string          `json:"code"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Category    string          `json:"category"`
	Audience    course.Audience `json:"audience"`
	Publish     bool            `json:"publish"`
	Lessons     []struct {
		Title   string            `json:"title"`
		Kind    course.LessonKind `json:"kind"`
		File    string            `json:"file"`
		Minutes int               `json:"minutes"`
	} `json:"lessons"`
}

// SeedCourses writes the demo catalogue through the course store's use
// cases, acting as the system, and its files into the media store. A
// course whose title is already in the catalogue is skipped, so a second
// run (or a resumed seed) adds only what is missing.
func SeedCourses(ctx context.Context, cs *course.Store, ms *media.Store) error {
	raw, err := courseFiles.ReadFile("data/courses/catalogue.json")
	if err != nil {
		return fmt.Errorf("demo: read catalogue: %w", err)
	}
	var list []demoCourse
	if err := json.Unmarshal(raw, &list); err != nil {
		return fmt.Errorf("demo: parse catalogue: %w", err)
	}
	sys := account.System()
	for _, dc := range list {
		existing, _, err := cs.Courses(ctx, sys, course.CourseFilter{Q: dc.Title, Limit: 10})
		if err != nil {
			return fmt.Errorf("demo: course %s: %w", dc.Code, err)
		}
		if hasTitle(existing, dc.Title) {
			continue
		}
		c, err := cs.CreateCourse(ctx, sys, course.CourseInput{Title: dc.Title, Description: dc.Description, Category: dc.Category, Audience: dc.Audience})
		if err != nil {
			return fmt.Errorf("demo: course %s: %w", dc.Code, err)
		}
		for _, l := range dc.Lessons {
			in, err := lessonInput(ctx, ms, l.Title, l.Kind, l.File, l.Minutes)
			if err != nil {
				return fmt.Errorf("demo: course %s, lesson %s: %w", dc.Code, l.Title, err)
			}
			if _, err := cs.AddLesson(ctx, sys, c.ID, in); err != nil {
				return fmt.Errorf("demo: course %s, lesson %s: %w", dc.Code, l.Title, err)
			}
		}
		if dc.Publish {
			if _, err := cs.Publish(ctx, sys, c.ID); err != nil {
				return fmt.Errorf("demo: publish %s: %w", dc.Code, err)
			}
		}
	}
	return nil
}

func hasTitle(list []course.CourseView, title string) bool {
	for _, c := range list {
		if c.Title == title {
			return true
		}
	}
	return false
}

func lessonInput(ctx context.Context, ms *media.Store, title string, kind course.LessonKind, file string, minutes int) (course.LessonInput, error) {
	b, err := courseFiles.ReadFile("data/" + file)
	if err != nil {
		return course.LessonInput{}, err
	}
	in := course.LessonInput{Title: title, Kind: kind, Minutes: minutes}
	if kind == course.KindText {
		in.Body = string(b)
		return in, nil
	}
	info, err := ms.Put(ctx, bytes.NewReader(b), int64(len(b))+1, media.Video, media.Document)
	if err != nil {
		return course.LessonInput{}, err
	}
	in.Media, in.MediaName = &info, path.Base(file)
	return in, nil
}
