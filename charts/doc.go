// Package charts draws the compliance dashboard's charts on the server as
// inline SVG: a horizontal bar chart of rates (Bars), a monthly trend line
// (Trend) and a calendar heat map of counts per day (Calendar).
//
// Each function returns one <svg> element ready to drop into an
// html/template page. The output needs no script, no stylesheet and no
// external resource, so it passes the server's CSP (style-src 'self': no
// style attribute and no <style> element is emitted; only presentation
// attributes). Every chart is role="img" with a <title> and a <desc>; the
// desc carries the numbers in words, because a screen reader does not read
// inside an image.
//
// # Size
//
// The SVG has a viewBox and width="100%", so it takes the width of its
// container and keeps its proportions. The text is sized for a container
// between a 375 px phone (about 340 px inside the page padding) and about
// 640 px; on a wide page, give the container a max-width (for example
// .chart-box { max-width: 40rem }), or the chart is drawn as large as the
// page. The text uses the page's font: no font-family is set. Each root
// element has the class "chart" and "chart-bars", "chart-trend" or
// "chart-calendar" for the page to style.
//
// # Colour and print
//
// No meaning is carried by colour alone, so the charts read in black and
// white: a bar below its target is hatched as well as red, the trend's
// target is a dashed line with its value written in the legend, and the
// calendar's five steps grow darker in lightness order with their
// thresholds written under the legend. The colours are the page's own blue
// and red (distinct for the common colour-vision deficiencies, blue against
// a brownish red) and a yellow-orange-brown sequential scale (ColorBrewer
// YlOrBr) for the calendar. Text sits on white, never on a bar, in the
// page's ink (#1f2733), muted grey (#5b6675) or red (#b42318), all above
// WCAG AA 4.5:1.
//
// Rates are printed with their counts, as compliance.Rate prints them:
// "97.5%（39/40）", "—（0/0）"; a rate short of the whole is never rounded
// up to 100.0%.
package charts
