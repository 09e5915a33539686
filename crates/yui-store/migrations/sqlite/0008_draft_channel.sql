-- Drafts remember how they were started: on the web, or at the town-hall counter by staff
-- (counter drafts never offer a resume link and leave nothing in the browser).
ALTER TABLE draft ADD COLUMN channel TEXT NOT NULL DEFAULT 'web';
